/* The admin page: agents, widget, AI and routing settings, the knowledge base, labels, webhooks,
 * API keys and the audit log, over the admin API (api.js). The server embeds the first data in
 * the page as JSON. */

import { Agents } from "./agents.js";
import { ApiKeys } from "./api_keys.js";
import { AuditLog } from "./audit.js";
import { Knowledge } from "./knowledge.js";
import { BusinessHours } from "./hours.js";
import { Labels } from "./labels.js";
import { Webhooks } from "./webhooks.js";
import { AiSettings, RoutingSettings, WidgetSettings } from "./settings.js";

const initial = JSON.parse(document.getElementById("initial-data").textContent);
const audit = new AuditLog(initial.audit);
const wrote = () => audit.reload();

new Agents(initial.agents, initial.me, wrote);
new WidgetSettings(initial.widget, wrote);
new AiSettings(initial.ai, wrote);
new RoutingSettings(initial.routing, wrote);
new BusinessHours(initial.hours, wrote);
new Knowledge(initial.articles, wrote);
new Labels(wrote);
new Webhooks(initial.webhook_events, wrote);
new ApiKeys(wrote);
document.body.dataset.ready = "true"; // the forms are filled and listening
