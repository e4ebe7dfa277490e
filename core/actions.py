"""Button actions: the first field of every button payload, in one table.

Member names say what a button does; the values are what travels in a payload (Telegram
allows 64 bytes of callback data, so the busiest ones stay short). Payloads from older
versions, still on buttons in users' chats, are read through `LEGACY`.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What pressing a button asks for."""

    ASK = "ask"  # ask what an intent's words would (menu buttons): ask|<intent>
    LEAVE = "leave"  # the answer to "leave the form?": leave|<token>|y|n
    # Applying.
    APPLY = "apply"  # start an application: apply|<course or branch>
    APPLY_BRANCH = "apply_branch"  # the branch picked from options
    APPLY_COURSE = "apply_course"  # the offering picked from options
    ELIGIBLE = "eligible"  # the course's audience fits me (a women-only course): eligible|t|y|n
    NAME_CHECK = "name_ok"  # a name read from an unsure message, confirmed: name_ok|t|y|n
    CONSENT = "consent"  # the KVKK notice accepted or refused
    OWN_PHONE = "own_phone"  # WhatsApp: use the number the user writes from
    OUTSIDE_IZMIR = "outside_izmir"  # lives outside İzmir
    FORM_OPTION = "form_option"  # an education or employment option
    SUMMARY = "summary"  # submit, or pick a field to correct
    EDIT_FIELD = "edit_field"  # correct one field
    # Courses and centres.
    OFFERINGS = "crs"  # a branch's offerings: crs|<branch>[|c<centre>]
    PAGE = "pg"  # another page of a list, with its filters
    NOTIFY = "int"  # tell me when this branch opens: int|<branch>[|<district>]
    NOTIFY_REMOVE = "int_del"  # stop waiting for this branch: int_del|<branch>
    CENTRE = "cen"  # a centre's details
    NEAR = "near"  # the nearest centre (for a branch)
    FAQ = "faq"  # a frequently asked topic
    # The user's own things.
    CANCEL_APPLICATION = "cancel"  # which application to cancel
    CANCEL_CONFIRMED = "cancel_yes"  # cancel it, confirmed
    ERASE = "erase"  # erase my data: erase|y|n
    CALLBACK = "callback"  # leave a callback request for staff
    HANDOFF_LEAVE = "ho_leave"  # leave the conversation with a person ("asistana dön")
    ATTEND = "att"  # "I'll come / I can't" on a reminder: att|<session>|y|n
    REMINDER_PREFS = "rs"  # switch a reminder kind on or off
    LANGUAGE = "lang"  # speak this language from now on: lang|<tr|en|ar>


# Action codes of earlier versions, still on buttons already sent.
LEGACY: dict[str, Action] = {
    "i": Action.ASK,
    "apb": Action.APPLY_BRANCH,
    "apc": Action.APPLY_COURSE,
    "apk": Action.CONSENT,
    "aph": Action.OWN_PHONE,
    "apd": Action.OUTSIDE_IZMIR,
    "apo": Action.FORM_OPTION,
    "aps": Action.SUMMARY,
    "ape": Action.EDIT_FIELD,
    "mc": Action.CANCEL_APPLICATION,
    "mcy": Action.CANCEL_CONFIRMED,
    "del": Action.ERASE,
    "cb": Action.CALLBACK,
}
