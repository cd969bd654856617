"""The AI evaluation's questions: as customers really write them, each with the article that
answers it, or OFF_TOPIC when none does (then the only right reply is "not sure").

Written in one go, before any change to the responder, and committed before tuning. The set is
split in two: TUNING is what thresholds and weights may be chosen on; HELD_OUT is only ever
measured, never tuned on (bench/ai_eval.py reports both, README quotes both). Do not move
questions between the parts, and do not edit HELD_OUT to make a figure better.

A label may name two articles ("contact-us|opening-hours") where the shipped knowledge base
answers the same thing in both (support hours, refund timing, equipment prices…).
"""

from __future__ import annotations

OFF_TOPIC = "off-topic"

# (question, expected slug(s) separated by "|", or OFF_TOPIC)
TUNING: list[tuple[str, str]] = [
    # account-and-security
    ("i cant remember my login pw", "account-and-security"),
    ("how do i get back into my account if i forgot the password", "account-and-security"),
    ("want to pick a new password for my account", "account-and-security"),
    ("it says my account is locked??", "account-and-security"),
    ("i have a new email address, how do i switch it on my account", "account-and-security"),
    ("how do i turn on the login codes thing for extra security", "account-and-security"),
    ("got a new phone and cant get the sign in codes anymore", "account-and-security"),
    ("please close my account for good", "account-and-security"),
    # billing-and-invoices
    ("can i pay with apple pay", "billing-and-invoices"),
    ("what day of the month do you take the money for my subscription", "billing-and-invoices"),
    ("my card expired how do i put the new one in", "billing-and-invoices"),
    ("my payment got declined what now", "billing-and-invoices"),
    ("where can i download a receipt", "billing-and-invoices"),
    (
        "how long does it take for a refund to hit my bank",
        "billing-and-invoices|returns-and-refunds",
    ),
    ("there are 2 charges on my statement for one order", "billing-and-invoices"),
    # coffee-care-and-brewing
    ("best way to keep beans so they stay good", "coffee-care-and-brewing"),
    ("how long are the beans good for after opening", "coffee-care-and-brewing"),
    ("what grind do i need for my espresso machine", "coffee-care-and-brewing"),
    ("how many scoops per cup", "coffee-care-and-brewing"),
    ("recipe for cold brew?", "coffee-care-and-brewing"),
    ("my coffee comes out sour", "coffee-care-and-brewing"),
    # contact-us
    ("can i call you guys", "contact-us|opening-hours"),
    ("what email do i write to for help", "contact-us"),
    ("when are you guys around to help", "contact-us|opening-hours"),
    ("where can i mail a letter to you", "contact-us"),
    ("i want to complain about how i was treated", "contact-us"),
    # equipment-and-warranty
    ("do you sell grinders", "equipment-and-warranty|pricing"),
    ("is the grinder covered if it breaks", "equipment-and-warranty"),
    ("my grinder stopped working how do i get it fixed", "equipment-and-warranty"),
    ("will the kettle work in australia", "equipment-and-warranty"),
    ("how do i clean the burrs", "equipment-and-warranty"),
    ("i broke the glass on my french press can i buy just the glass", "equipment-and-warranty"),
    # gift-cards
    ("do you do gift cards", "gift-cards"),
    ("how do i redeem a gift card", "gift-cards"),
    ("does my gift card run out", "gift-cards"),
    ("how much is left on my gift card", "gift-cards"),
    ("my mom didnt get the gift card i bought her", "gift-cards"),
    ("can i gift someone a subscription", "gift-cards"),
    # manage-subscription
    ("how do i switch to the bigger plan", "manage-subscription"),
    ("going on vacation, can i put my deliveries on hold", "manage-subscription"),
    ("how do i stop my subscription", "manage-subscription"),
    ("i cancelled but you still charged me", "manage-subscription"),
    ("i moved, how do i change where my subscription goes", "manage-subscription"),
    ("can my payment come out on the 15th instead", "manage-subscription"),
    # opening-hours
    ("what are your hours", "opening-hours|contact-us"),
    ("are your hours eastern or pacific", "opening-hours"),
    ("what times can i phone you", "opening-hours|contact-us"),
    ("are you open christmas day", "opening-hours"),
    ("do you ship on weekends", "opening-hours|shipping"),
    ("when is the cafe open", "opening-hours"),
    # orders
    ("i ordered the wrong thing can i cancel it", "orders"),
    ("what does roasting mean on my order", "orders"),
    ("put the wrong address on my order", "orders"),
    ("the bag was ripped open when it got here", "orders"),
    ("only got one of the two bags i ordered", "orders"),
    ("my package never came, it's been 2 weeks", "orders"),
    # our-coffee
    ("what kinds of coffee do you have", "our-coffee"),
    ("anything without caffeine?", "our-coffee"),
    ("where is your coffee grown", "our-coffee"),
    ("how old is the coffee when you send it", "our-coffee"),
    ("can you grind it for me", "our-coffee|coffee-care-and-brewing"),
    ("do you sell bigger bags", "our-coffee"),
    # pricing
    ("how much is a bag of coffee", "pricing"),
    ("how much per month is the subscription", "pricing|subscription-plans"),
    ("how much is the kettle", "pricing|equipment-and-warranty"),
    ("do subscribers get anything off", "pricing|subscription-plans"),
    ("is tax included", "pricing"),
    ("i forgot to enter my discount code can you add it", "pricing"),
    # privacy-and-data
    ("what info do you store about me", "privacy-and-data"),
    ("do you give my details to advertisers", "privacy-and-data"),
    ("how long do you hold on to my chat history", "privacy-and-data"),
    ("can i download everything you have on me", "privacy-and-data"),
    ("stop sending me promo emails", "privacy-and-data"),
    ("does the site track me with cookies", "privacy-and-data"),
    ("what are my rights under gdpr", "privacy-and-data"),
    # returns-and-refunds
    ("can i send back stuff i dont want", "returns-and-refunds"),
    ("how do i send something back", "returns-and-refunds"),
    ("do i pay the postage to send it back", "returns-and-refunds"),
    ("i dont like the coffee i got", "returns-and-refunds"),
    ("when do i get my money back for the return", "returns-and-refunds|billing-and-invoices"),
    ("can i swap the grinder for a different one", "returns-and-refunds"),
    # shipping
    ("do you deliver to the uk", "shipping"),
    ("how long does shipping take to texas", "shipping"),
    ("how much do i need to spend for free delivery", "shipping"),
    ("when will you send my order out", "shipping"),
    ("can i get it faster", "shipping"),
    ("where is my order right now", "shipping|orders"),
    ("will i have to pay import tax in canada", "shipping|pricing"),
    ("can i collect my order from you instead", "shipping|opening-hours"),
    # subscription-plans
    ("what subscriptions do you have", "subscription-plans"),
    ("which plan for 2 people", "subscription-plans"),
    ("do i get the same coffee every month", "subscription-plans"),
    ("when will my first box show up", "subscription-plans"),
    ("can i get a subscription in the uk", "subscription-plans"),
    ("what perks do subscribers get", "subscription-plans|pricing"),
    # wholesale
    ("i run a restaurant, can we buy wholesale", "wholesale"),
    ("how do i sign up for a wholesale account", "wholesale"),
    ("how much per kilo for wholesale", "wholesale"),
    ("can my cafe pay on invoice", "wholesale"),
    ("do you deliver to cafes in portland", "wholesale"),
    ("do you train baristas", "wholesale"),
    # off-topic
    ("can you recommend a laptop", OFF_TOPIC),
    ("whats the weather tomorrow", OFF_TOPIC),
    ("who won the game last night", OFF_TOPIC),
    ("tell me a joke", OFF_TOPIC),
    ("how do i reset my router", OFF_TOPIC),
    ("what's the capital of australia", OFF_TOPIC),
    ("do you sell loose leaf tea", OFF_TOPIC),
    ("can you help with my math homework", OFF_TOPIC),
    ("is there a loyalty points program", OFF_TOPIC),
    ("book me a flight to chicago", OFF_TOPIC),
    ("what's bitcoin at today", OFF_TOPIC),
    ("how do i fix a flat tire", OFF_TOPIC),
]

HELD_OUT: list[tuple[str, str]] = [
    # account-and-security
    ("forgot my pasword and the reset thing isnt coming to my inbox", "account-and-security"),
    ("how do i update my pw", "account-and-security"),
    ("tried logging in a bunch of times now it wont let me in", "account-and-security"),
    ("need to update the email i signed up with", "account-and-security"),
    ("can i use google authenticator with my account", "account-and-security"),
    ("lost my phone and now it keeps asking for a verification code", "account-and-security"),
    ("how do i get rid of my account completely", "account-and-security"),
    # billing-and-invoices
    ("do yall take amex", "billing-and-invoices"),
    ("can i pay cash when it arrives", "billing-and-invoices"),
    ("when does the subscription payment come out", "billing-and-invoices"),
    ("need to swap the card you charge", "billing-and-invoices"),
    (
        "card didnt go through for my subscription, will my coffee still come",
        "billing-and-invoices",
    ),
    ("i need a proper invoice with my business name for expenses", "billing-and-invoices"),
    ("i paid part with a gift card, where does the refund go", "billing-and-invoices"),
    ("you took money twice this month", "billing-and-invoices"),
    # coffee-care-and-brewing
    ("is it ok to put coffee in the fridge", "coffee-care-and-brewing"),
    ("can i freeze coffee", "coffee-care-and-brewing"),
    ("how fine should i grind for pour over", "coffee-care-and-brewing"),
    ("what's the water to coffee ratio", "coffee-care-and-brewing"),
    ("how long do i steep the french press", "coffee-care-and-brewing"),
    ("why does my coffee taste so harsh and bitter", "coffee-care-and-brewing"),
    # contact-us
    ("whats the customer service number", "contact-us|opening-hours"),
    ("is there an address i can email", "contact-us"),
    ("are you open on saturdays", "contact-us|opening-hours"),
    ("whats your mailing address", "contact-us"),
    ("who do i escalate a problem to, not happy with your service", "contact-us"),
    # equipment-and-warranty
    ("what brewing gear do you have", "equipment-and-warranty|pricing"),
    ("how long is the warranty on the kettle", "equipment-and-warranty"),
    ("kettle broke after 3 months what do i do", "equipment-and-warranty"),
    ("can i use the electric grinder in europe", "equipment-and-warranty"),
    ("how to descale my kettle", "equipment-and-warranty"),
    ("do you sell filters for the pour over on their own", "equipment-and-warranty|pricing"),
    # gift-cards
    ("can i get a physical gift card to put in a birthday card", "gift-cards"),
    ("where do i put the gift code at checkout", "gift-cards"),
    ("i got a gift card 2 years ago is it still good", "gift-cards"),
    ("how do i see whats remaining on a giftcard", "gift-cards"),
    ("lost the gift card code", "gift-cards"),
    ("want to buy my sister coffee every month as a christmas present", "gift-cards"),
    # manage-subscription
    ("want to go down to the smaller plan", "manage-subscription"),
    ("i have too much coffee rn can i hold off on the next box", "manage-subscription"),
    ("i want to end my coffee subscription", "manage-subscription"),
    ("why did i get billed after i ended my subscription", "manage-subscription"),
    ("can i switch my subscription to decaf", "manage-subscription|subscription-plans"),
    ("can i move my billing day to after payday", "manage-subscription"),
    # opening-hours
    ("what time is that in new york", "opening-hours"),
    ("are you guys closed on july 4th", "opening-hours"),
    ("which days do you roast", "opening-hours|shipping|our-coffee"),
    ("is the coffee shop in portland open sunday", "opening-hours"),
    # orders
    ("can i add something to the order i just placed", "orders"),
    ("my order says packed what does that mean", "orders"),
    ("i need my order sent somewhere else, it hasnt shipped yet", "orders"),
    ("my french press arrived smashed", "orders"),
    ("you sent me the wrong coffee", "orders|returns-and-refunds"),
    ("tracking hasnt moved in a week", "orders"),
    ("says delivered but i dont have it", "orders"),
    # our-coffee
    ("do you have a dark roast", "our-coffee"),
    ("is the decaf made with chemicals", "our-coffee"),
    ("is your coffee fair trade", "our-coffee"),
    ("is it organic", "our-coffee"),
    ("when was it roasted by the time i get it", "our-coffee"),
    ("do you do k cups or pods", "our-coffee"),
    ("what sizes do the bags come in", "our-coffee"),
    # pricing
    ("whats the price for the 1kg bag", "pricing"),
    ("price of the office plan", "pricing|subscription-plans"),
    ("what does the hand grinder cost", "pricing|equipment-and-warranty"),
    ("is there a discount if i subscribe", "pricing|subscription-plans"),
    ("will you add sales tax at checkout", "pricing"),
    ("can i stack 2 coupons", "pricing"),
    # privacy-and-data
    ("do you keep my credit card number", "privacy-and-data"),
    ("who do you share my address with", "privacy-and-data"),
    ("how long do you keep my info", "privacy-and-data"),
    ("i want a copy of my personal information", "privacy-and-data"),
    ("how do i unsubscribe from the newsletter", "privacy-and-data"),
    ("can i turn off tracking cookies", "privacy-and-data"),
    ("im in california what privacy rights do i have", "privacy-and-data"),
    # returns-and-refunds
    ("can i return an unopened bag", "returns-and-refunds"),
    ("how do i get a return label", "returns-and-refunds"),
    ("is return shipping free", "returns-and-refunds"),
    ("what if i hate the flavor", "returns-and-refunds"),
    ("sent my return last week, wheres my refund", "returns-and-refunds|billing-and-invoices"),
    ("can i trade this bag for another roast", "returns-and-refunds"),
    # shipping
    ("can you ship to mexico", "shipping"),
    ("how much is shipping to hawaii", "shipping"),
    ("is delivery free", "shipping"),
    ("how soon after i order does it ship", "shipping"),
    ("do you do next day delivery", "shipping"),
    ("how do i find out where my package is", "shipping|orders"),
    ("do i need to pay extra fees when it arrives in the uk", "shipping|pricing"),
    ("can i pick it up in portland", "shipping|opening-hours"),
    # subscription-plans
    ("what's in the regular plan", "subscription-plans"),
    ("how many cups will i get out of the starter plan", "subscription-plans"),
    ("can i pick which coffee comes in my box", "subscription-plans"),
    ("what day does the subscription box come", "subscription-plans"),
    ("do subscriptions ship to alaska", "subscription-plans"),
    ("do subscribers get early access to new coffees", "subscription-plans"),
    # wholesale
    ("can my office get a business account", "wholesale"),
    ("where is the wholesale application", "wholesale"),
    ("whats the smallest wholesale order", "wholesale"),
    ("do you do 30 day terms", "wholesale"),
    ("can we get a standing weekly order", "wholesale"),
    ("discount on equipment for cafes?", "wholesale"),
    # off-topic
    ("recommend a good laptop for gaming", OFF_TOPIC),
    ("what's the weather like in portland", OFF_TOPIC),
    ("write me a poem", OFF_TOPIC),
    ("what is 17 times 23", OFF_TOPIC),
    ("how tall is mount everest", OFF_TOPIC),
    ("do you sell tea bags", OFF_TOPIC),
    ("whats a good pizza place near me", OFF_TOPIC),
    ("how do i change the oil in my car", OFF_TOPIC),
    ("can you translate this to spanish", OFF_TOPIC),
    ("what time is it in tokyo", OFF_TOPIC),
    ("who is the president", OFF_TOPIC),
    ("my wifi password isnt working", OFF_TOPIC),
    ("do you have a rewards card", OFF_TOPIC),
    ("what movies are on tonight", OFF_TOPIC),
]
