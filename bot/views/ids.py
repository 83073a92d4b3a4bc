"""callback_id, action_id and block_id constants shared by the views and the listeners."""

from __future__ import annotations

from typing import Final

COMMAND: Final = "/sms-handlers"

# Buttons in messages (action_id; the button's value says which resource / request / page)
PICK_RESOURCE: Final = "pick_resource"
REQUEST_CHANGE: Final = "request_change"
SHOW_HISTORY: Final = "show_history"
HISTORY_OLDER: Final = "history_older"
HISTORY_NEWEST: Final = "history_newest"
LIST_PREVIOUS: Final = "list_page_previous"
LIST_NEXT: Final = "list_page_next"
REVIEW_REQUEST: Final = "review_request"
CANCEL_REQUEST: Final = "cancel_request"
RETRY_REQUEST: Final = "retry_request"
REJECT_REQUEST: Final = "reject_request"
EXPORT_HISTORY_CSV: Final = "export_history_csv"  # value: the format, csv
EXPORT_HISTORY_JSON: Final = "export_history_json"  # value: the format, json
# Buttons of a running temporary change on Home (value: its request id); the temporary changes
# feature answers them.
EXTEND_TEMPORARY: Final = "extend_temporary"
END_TEMPORARY: Final = "end_temporary"

# The search box on Home (an input that dispatches its text when Enter is pressed)
HOME_SEARCH_BLOCK: Final = "home_search"
HOME_SEARCH: Final = "home_search_input"

# Modals (callback_id)
LOADING_MODAL: Final = "loading"
REQUEST_MODAL: Final = "request_change_modal"
REVIEW_MODAL: Final = "review_modal"
HISTORY_MODAL: Final = "history_modal"
RESULT_MODAL: Final = "result_modal"
RESOURCE_MODAL: Final = "resource_modal"  # a card (or the candidates) found from Home
EXTEND_MODAL: Final = "extend_modal"

# Inputs of the request modal (block_id / action_id)
ADD_BLOCK: Final = "add_users"
ADD_ACTION: Final = "add_users_select"
ADD_ME_BLOCK: Final = "add_me"
ADD_ME_ACTION: Final = "add_me_checkbox"
ADD_ME_VALUE: Final = "add_me"
REMOVE_BLOCK: Final = "remove_users"
REMOVE_ACTION: Final = "remove_users_select"
REMOVE_ALL_BLOCK: Final = "confirm_remove_all"
REMOVE_ALL_ACTION: Final = "confirm_remove_all_checkbox"
REMOVE_ALL_VALUE: Final = "remove_all"
REASON_BLOCK: Final = "reason"
REASON_ACTION: Final = "reason_input"
# A temporary change's end (the request modal and the Extend modal): a date and a time in the
# person's Slack time zone, or a length of time (in Extend: by how much).
END_DATE_BLOCK: Final = "end_date"
END_DATE_ACTION: Final = "end_date_picker"
END_TIME_BLOCK: Final = "end_time"
END_TIME_ACTION: Final = "end_time_picker"
DURATION_BLOCK: Final = "duration"
DURATION_ACTION: Final = "duration_select"

# Inputs of the review modal
COMMENT_BLOCK: Final = "comment"
COMMENT_ACTION: Final = "comment_input"
REVIEW_ACTIONS_BLOCK: Final = "review_actions"
