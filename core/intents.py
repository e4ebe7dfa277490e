"""What a message asks for: the kinds of intent the assistant knows."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """Kinds of intent: the ones printed by ``meslek-bot understand`` (CONTRACT.md), and a
    few that only buttons and commands ask for.

    ``FAQ`` is one kind for every frequently asked topic: the topics are data (their names,
    trigger words and answers live in ``locales/faq.<lang>.yaml``), and ``understand`` prints
    the topic's name ("faq_cost") where the intent is ``FAQ``.
    """

    GREETING = "greeting"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    HELP = "help"
    LIST_COURSES = "list_courses"
    COURSE_INFO = "course_info"
    COURSE_SCHEDULE = "course_schedule"
    APPLY = "apply"
    APPLICATION_STATUS = "application_status"
    CANCEL_APPLICATION = "cancel_application"
    CENTER_INFO = "center_info"
    NEAREST_CENTER = "nearest_center"
    FAQ = "faq"  # a frequently asked topic; which one is Understanding.topic
    MY_SCHEDULE = "my_schedule"
    REMINDER_SETTINGS = "reminder_settings"
    EMPLOYMENT = "employment"  # a personal request (nlu/decide.py); answered from the FAQ file
    TALK_TO_HUMAN = "talk_to_human"
    DELETE_MY_DATA = "delete_my_data"
    CHANGE_LANGUAGE = "change_language"
    OUT_OF_SCOPE = "out_of_scope"  # nothing else fits; answered from the FAQ file
    NOTIFY_ME = "notify_me"  # tell me when a course opens ("açılınca haber ver")
    MY_INTERESTS = "my_interests"  # the courses I asked to hear about ("haber isteklerim")
    # Asked by buttons and commands only, never printed by `understand`:
    MY_DATA = "my_data"  # show what is stored about me
    FAQ_MENU = "faq_menu"  # the list of frequently asked topics


# The topic of an out-of-scope question about the courses that nothing answers ("derslerde
# çay molası var mı"): answered by pointing to the centre, ALO 153 and a person.
COURSE_QUESTION = "course_question"
