"""Customer questions for the AI responder, paired with the knowledge article that answers them."""

from __future__ import annotations

# (question as a customer would type it, slug of the article in data/knowledge/ that answers it)
KB_QUESTIONS: list[tuple[str, str]] = [
    # pricing
    ("how much does a bag of your coffee cost", "pricing"),
    ("Are sales taxes included in the prices on the site or added on top?", "pricing"),
    ("do you price match? saw the same beans cheaper elsewhere", "pricing"),
    ("Can I use two promo codes on one order?", "pricing"),
    ("how much is the office plan?", "pricing"),
    # subscription-plans
    ("whats the difference between starter and regular", "subscription-plans"),
    ("how many cups does one bag make roughly?", "subscription-plans"),
    ("Which subscription would suit a team of about 15 people at work?", "subscription-plans"),
    (
        "can I choose the coffee in my subscription or is it random every month",
        "subscription-plans",
    ),
    # manage-subscription
    ("how do i cancel my subscription", "manage-subscription"),
    (
        "I'm travelling for six weeks this summer, is there a way to pause my coffee deliveries "
        "so I don't come home to a pile of bags?",
        "manage-subscription",
    ),
    ("want to upgrade from starter to regular, will i get charged extra?", "manage-subscription"),
    ("can I skip next month", "manage-subscription"),
    # billing-and-invoices
    ("do you take paypal?", "billing-and-invoices"),
    ("my card payment failed, what happens to my subscription now?", "billing-and-invoices"),
    (
        "I need an invoice with my company name and VAT number on it for my accountant, "
        "where do I get that?",
        "billing-and-invoices",
    ),
    ("why was i charged twice this month??", "billing-and-invoices"),
    ("how do I update my credit card details", "billing-and-invoices"),
    # opening-hours
    ("are you open on thanksgiving?", "opening-hours"),
    ("what time zone are your hours in", "opening-hours"),
    ("when does the roastery cafe open on sunday", "opening-hours"),
    ("what are your support hours on saturday", "opening-hours"),
    # shipping
    ("do u ship to canada", "shipping"),
    ("is shipping free if i spend over 50 bucks?", "shipping"),
    ("How can I track my parcel?", "shipping"),
    ("will I have to pay customs duties if I order to Germany?", "shipping"),
    ("do you have express delivery", "shipping"),
    ("how long does delivery take to the east coast", "shipping"),
    # returns-and-refunds
    ("whats your return policy", "returns-and-refunds"),
    (
        "I opened a bag and honestly I don't like the taste at all, can I get my money back?",
        "returns-and-refunds",
    ),
    ("do I have to pay for the return label?", "returns-and-refunds"),
    ("can I exchange something I bought for a different item", "returns-and-refunds"),
    # account-and-security
    ("forgot my pasword, how do i reset it", "account-and-security"),
    ("How do I change the email address on my account?", "account-and-security"),
    ("how to set up 2fa", "account-and-security"),
    (
        "I got a new phone and now I can't log in because I don't get the authentication codes "
        "anymore",
        "account-and-security",
    ),
    ("my account got locked after too many tries", "account-and-security"),
    ("how do I delete my account", "account-and-security"),
    # contact-us
    ("what's your phone number", "contact-us"),
    ("is there an email address I can write to?", "contact-us"),
    ("I want to make a complaint about the service I got", "contact-us"),
    ("what is your postal address", "contact-us"),
    # orders
    ("can i still cancel the order i placed 20 minutes ago", "orders"),
    ("my order arrived damaged, the box was completely crushed", "orders"),
    ("I received the wrong item in my order", "orders"),
    ("tracking says delivered but there's no parcel anywhere", "orders"),
    ("i need to change the delivery adress on my order", "orders"),
    # coffee-care-and-brewing
    ("should i keep my beans in the fridge?", "coffee-care-and-brewing"),
    ("what grind size for a french press", "coffee-care-and-brewing"),
    ("how many grams of coffee per cup?", "coffee-care-and-brewing"),
    ("my coffee tastes really bitter, what am I doing wrong", "coffee-care-and-brewing"),
    ("how do I make cold brew at home", "coffee-care-and-brewing"),
    # wholesale
    ("I own a small cafe and want to buy beans in bulk, how does that work?", "wholesale"),
    ("do you offer net 30 payment terms for businesses", "wholesale"),
    ("what's the minimum order for a wholesale account?", "wholesale"),
    # gift-cards
    ("do gift cards expire?", "gift-cards"),
    ("can I buy my dad a 6 month subscription as a present", "gift-cards"),
    ("my friend never got the gift card email I sent her", "gift-cards"),
    ("how do i check my gift card balance", "gift-cards"),
    # privacy-and-data
    ("do you sell my info to other companies?", "privacy-and-data"),
    ("how do I stop getting your marketing emails", "privacy-and-data"),
    ("I'd like a copy of all the personal data you hold about me", "privacy-and-data"),
    ("What cookies does your site use?", "privacy-and-data"),
    # equipment-and-warranty
    ("my kettle stopped working after 8 months, is it under warranty?", "equipment-and-warranty"),
    ("how often should I descale the kettle", "equipment-and-warranty"),
    ("will the electric grinder work in the UK with 230 volts?", "equipment-and-warranty"),
    ("do you sell a replacement glass beaker for the french press", "equipment-and-warranty"),
    # our-coffee
    ("do you have decaf?", "our-coffee"),
    ("are your beans organic", "our-coffee"),
    ("do you sell nespresso capsules", "our-coffee"),
    ("where do your beans come from", "our-coffee"),
]

# Questions the knowledge base does not answer: the bot should say it doesn't know.
UNKNOWN_QUESTIONS: list[str] = [
    "can you recommend a good laptop for work?",
    "what's the weather like in Paris this weekend",
    "who won the football game last night?",
    "do you sell loose leaf tea?",
    "Is there a loyalty points scheme?",
    "how do I fix the brakes on my bike",
    "write me a poem about the sea",
    "what is 17 times 23",
    "what movies are playing tonight",
    "how tall is mount everest?",
]

# Ways a customer asks to be put through to a person.
HANDOFF_PHRASES: list[str] = [
    "agent",
    "I want to talk to a human",
    "real person please",
    "can I speak to someone?",
    "operator",
    "representative",
    "let me talk to a live agent",
    "human please!!",
    "is there a real person I can chat with",
    "I need to speak with somebody from support, not a bot",
    "transfer me to a person",
    "connect me to customer service",
]

# Messages with similar words that are not a request for a person.
NOT_HANDOFF: list[str] = [
    "there's a human error on my invoice, the VAT number is wrong",
    "how do you use my personal data?",
    "can someone else pick up my order at the cafe for me?",
    "is the office plan enough for about 20 people?",
    "my customs agent says I owe import duties, is that right?",
    "I talked to someone on the phone yesterday who said my refund was sent, when will it arrive?",
]
