"""The words of every e-mail alerts sends (plain text, plain language). Pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field

from .links import Links
from .mail import Mail, trial_name

FOOTER = ("Trial information comes from ClinicalTrials.gov. trialscout is not medical advice: "
          "talk to your doctor before joining a trial.")


def _list(lines: list[str]) -> str:
    return "\n".join(f"  - {line}" for line in lines)


def confirm_subscription(to: str, labels: list[str], confirm_url: str, days: int, links: Links) -> Mail:
    text = (
        f"Hello,\n\nSomeone, probably you, asked trialscout to e-mail {to} about:\n\n{_list(labels)}\n\n"
        f"Nothing will be sent until you confirm. To confirm, open this link and press \"Confirm\":\n\n"
        f"{confirm_url}\n\nThe link works for {days} days. If you did not ask for this, ignore this "
        f"message: you will not hear from us again.\n\n-- \ntrialscout, {links.base}\n"
    )
    return Mail(to=to, subject="Please confirm: e-mail updates from trialscout", text=text)


def already_subscribed(to: str, labels: list[str], manage_url: str, links: Links) -> Mail:
    text = (
        f"Hello,\n\nSomeone, probably you, asked trialscout again to e-mail {to} about:\n\n{_list(labels)}\n\n"
        f"You already get these updates, so nothing has changed. To see or change what you get:\n\n"
        f"{manage_url}\n\n-- \ntrialscout, {links.base}\n"
    )
    return Mail(to=to, subject="You already get these updates from trialscout", text=text)


@dataclass
class AlertSection:
    """One subscription's part of an alert: a heading, its lines and how to stop it."""

    heading: str
    lines: list[str]
    stop_url: str
    stop_label: str
    links: list[str] = field(default_factory=list)


def alert(to: str, sections: list[AlertSection], manage_url: str, unsubscribe_url: str, daily: bool,
          subject: str) -> Mail:
    parts = ["Hello,\n", "Here is what changed in the trials you follow on trialscout." if not daily else
             "Here is your daily summary of the trials you follow on trialscout.", ""]
    for section in sections:
        parts.append(section.heading)
        parts.append("")
        parts += [f"  - {line}" for line in section.lines]
        parts.append("")
        parts += section.links
        parts.append(f"{section.stop_label}: {section.stop_url}")
        parts.append("")
    parts += [
        "-- ",
        f"Change how often you get e-mail, or what about: {manage_url}",
        f"Unsubscribe from all trialscout e-mail: {unsubscribe_url}",
        FOOTER,
        "",
    ]
    return Mail(to=to, subject=subject, text="\n".join(parts), unsubscribe_url=unsubscribe_url)


def confirm_interest(to: str, title: str, nct_id: str, recipient_label: str, confirm_url: str, hours: int,
                     links: Links) -> Mail:
    text = (
        f"Hello,\n\nSomeone, probably you, asked trialscout to tell the study team of this trial that you "
        f"are interested:\n\n  {trial_name(title, nct_id)}\n\nYour request goes to {recipient_label}, the "
        f"trial's contact. Nothing is sent until you confirm. To send it, open this link and press "
        f"\"Send\":\n\n{confirm_url}\n\nThe link works for {hours} hours. If you did not ask for this, ignore "
        f"this message: nothing will be sent.\n\n-- \ntrialscout, {links.base}\n"
    )
    return Mail(to=to, subject=f"Please confirm: your interest in trial {nct_id}", text=text)


def interest(recipient: str, title: str, nct_id: str, name: str, email: str, phone: str | None,
             message: str | None, retention_days: int, links: Links) -> Mail:
    lines = [f"Name: {name}", f"E-mail: {email}"] + ([f"Phone: {phone}"] if phone else [])
    said = f"\nTheir message:\n\n{message}\n" if message else "\nThey left no message.\n"
    text = (
        f"Hello,\n\nA person asked about your trial on trialscout, an open clinical-trial finder:\n\n"
        f"  {trial_name(title, nct_id)}\n  {links.trial(nct_id)}\n\n"
        f"They confirmed their e-mail address and agreed that we send you this.\n\n"
        + "\n".join(lines) + "\n" + said +
        f"\nReply to this e-mail to reach them. trialscout deletes this request after {retention_days} days.\n"
        f"\n-- \ntrialscout, {links.base}\n"
    )
    return Mail(to=recipient, subject=f"Interest in your trial {nct_id} (via trialscout)", text=text,
                reply_to=(name, email))
