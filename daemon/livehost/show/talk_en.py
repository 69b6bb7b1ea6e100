"""What the host says in English: the wording lists and how a fact becomes a sentence.

talk_zh.py has the same names in Chinese; talk.py picks one by store.language.
"""

from __future__ import annotations

from livehost.show.countdown import countdown_parts

LANGUAGE = "en"

OPENING = [
    "Hi, and welcome to {store}! I'm your host for today, and I'm AI-generated: "
    "a virtual presenter, not a real person.",
    "Hello everyone, welcome to the {store} live show! Quick heads-up: I'm an "
    "AI-generated host, a digital presenter made by the shop.",
]
NOTICE = [
    "Just so you know, I'm an AI-generated host, not a real person.",
    "A quick reminder: the host you are watching is AI-generated.",
    "Friendly note: I'm a virtual host created with AI by {store}.",
    "In case you just joined: I'm an AI presenter, and this show is produced automatically.",
]
TRANSITION = [
    "Next up, the {name}.",
    "Let's move on to the {name}.",
    "Now for something different: the {name}.",
    "Time to look at the {name}.",
    "Say hello to the {name}.",
    "Okay, let's talk about the {name}.",
    "Here comes one of my favourites, the {name}.",
    "Let's switch over to the {name}.",
]
INTRO = [
    "Let me show you the {name}.",
    "This is the {name}.",
    "Here we have the {name}.",
    "Meet the {name}.",
    "Take a good look at the {name}.",
    "So, the {name}.",
]
FEATURE = "{lead}: {f}."  # a lead-in, then the feature as a clause
FEATURE_LEADS = [
    "Look at this",
    "Here's what stands out",
    "My favourite part",
    "And here's the thing",
    "Customers love this",
    "Quick detail for you",
    "Don't miss this one",
    "This one matters",
    "Check this out",
    "Worth knowing",
    "Here's a good one",
    "One more reason to love it",
]
PRICE = [
    "The {name} is {price}.",
    "All of that for {price}.",
    "You can take it home for {price}.",
    "It's {price}, and that's a fair deal.",
    "Price check: {price}.",
    "{price} gets you the {name}.",
    "And the price? Just {price}.",
]
SALE = [
    "Right now the {name} is {sale} instead of {price}.",
    "Sale price today: {sale}, down from {price}.",
    "You save {saving}: it's {sale} instead of {price}.",
    "That's {percent} percent off, only {sale}.",
    "Normally {price}, today just {sale}.",
    "Great timing: the {name} is on sale for {sale}.",
]
CARD_COUNTDOWN = "Sale ends in {countdown}"  # on the product card
OFF_AIR = "We're off air right now. See you soon!"  # on the slate
JOIN = " "  # between two sentences of one line
COUNTDOWN = [
    "The sale ends in {countdown}.",
    "Only {countdown} left at this price.",
    "This price is gone in {countdown}, so don't wait.",
    "Heads-up: {countdown} to go on this deal.",
]
CALL_TO_ACTION = [
    "Tap the cart to grab yours.",
    "Add it to your cart before you forget.",
    "Follow the shop so you don't miss the next deal.",
    "Questions? Drop them in the chat.",
    "Hit follow for more deals like this.",
    "The link is right there in the cart.",
    "If you like it, tap the cart now.",
]
FAQ_LEADS = [
    "A question we get a lot: {q} {a}",
    "People often ask, {q} {a}",
    "You might be wondering, {q} {a}",
    "Good question from many of you: {q} {a}",
]
IDLE = [
    "{message}",
    "Thanks for stopping by {store}.",
    "While you wait, have a look at the {name}.",
    "Follow the shop to hear when the next show starts.",
    "Feel free to look around; the next show starts soon.",
    "Good to see you here at {store}.",
    "Stay a moment: the {name} is one of our favourites.",
]


def sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def lower_first(text: str) -> str:
    """'Boils fast' -> 'boils fast', 'A solid block' -> 'a solid block', but keep
    'PFAS-free', 'iPhone' and 'I' as written."""
    first = text.split(" ", 1)[0]
    if first == "A" or (len(first) > 1 and first[0].isupper() and first[1:].islower()):
        return text[0].lower() + text[1:]
    return text


def question(text: str) -> str:
    """A question from the schedule, ending as one."""
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "?"


def feature_text(feature: str) -> str:
    return lower_first(feature.rstrip("."))


def countdown_words(seconds: float) -> str:
    days, hours, mins = countdown_parts(seconds)
    if days >= 2:
        return f"{days} days"
    if days == 1:
        return f"1 day and {hours} hours" if hours else "1 day"
    if hours:
        mins_part = f" and {mins} minutes" if mins else ""
        return f"{hours} hour{'s' if hours != 1 else ''}{mins_part}"
    if mins >= 1:
        return f"{mins} minute{'s' if mins != 1 else ''}"
    return "less than a minute"
