"""Every default in one place, so docs, code and tests agree on the numbers."""

from __future__ import annotations

# Transport
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_BACKOFF_FACTOR = 0.5
DEFAULT_BACKOFF_MAX = 8.0
DEFAULT_BACKOFF_JITTER = 0.25
# urllib3 would honour a Retry-After of hours by default; a deploy should not stall on one reply.
DEFAULT_RETRY_AFTER_MAX = 60
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
POOL_MAXSIZE = 32
# A call made without a wait (show_task, list_tasks, find_latest_task, ...) ends within this,
# retries, Retry-After and every byte read included; DmsClient(call_timeout=...) changes it.
DEFAULT_CALL_TIMEOUT = 60.0
# A request started at or after its deadline (a wait's last poll) still gets this long.
LAST_ATTEMPT_SECONDS = 0.5

# What a server can make us hold. The text limits on server strings live in errors.py
# (MAX_ERROR_TEXT_CHARS) and models.py (MAX_FIELD_CHARS): those modules import nothing of ours.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024  # a success body, counted after gzip/deflate inflation
MAX_ERROR_BODY_BYTES = 64 * 1024  # the body of an error status (what error_msg comes from)
MAX_PARAMS_CHARS = 64 * 1024  # params_json kept in outputs; longer is truncated and marked
MAX_LIST_PAGES = 200  # hard ceiling on pages walked by one listing
LIST_PAGE_SLACK = 2  # pages allowed past what task_count implies (tasks created while paging)

# Waiting
DEFAULT_WAIT_TIMEOUT = 20 * 60.0
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_MAX_POLL_INTERVAL = 30.0
BACKOFF_MULTIPLIER = 1.5
# Right after a task is submitted, its record can lag behind; tolerate a few 404s in a row.
NOT_FOUND_TOLERANCE = 3
# How far back the idle gate looks for running tasks: far longer than any DMS task runs (a resize
# takes hours), short enough that listing it stays a few pages.
DEFAULT_IDLE_WINDOW = 7 * 24 * 3600.0
# How often a long wait reports "still waiting" when nothing changed (lines come only with polls,
# so a wait polled every 30 s shows one a poll; a short one still shows more than its first line).
HEARTBEAT_SECONDS = 10.0
# The same for the provider's lines during `pulumi up`, where a person watches the wait: a poll
# more than this after the last line shows the time left counting down.
PROVIDER_HEARTBEAT_SECONDS = 5.0

# Input ranges
MAX_DURATION_SECONDS = 7 * 24 * 3600.0  # timeout, poll intervals, connect/read/call timeouts
EARLIEST_TIME_TEXT = "1970-01-01T00:00:00Z"  # since, begin_time, end_time
LATEST_TIME_TEXT = "9999-12-31T23:59:59Z"

# API
DEFAULT_CLOUD_DOMAIN = "myhuaweicloud.com"
LIST_PAGE_LIMIT = 100
MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 128
API_TIME_FORMAT = "%Y%m%d%H%M%S"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
