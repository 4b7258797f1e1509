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

# Waiting
DEFAULT_WAIT_TIMEOUT = 20 * 60.0
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_MAX_POLL_INTERVAL = 30.0
BACKOFF_MULTIPLIER = 1.5
# Right after a task is submitted, its record can lag behind; tolerate a few 404s in a row.
NOT_FOUND_TOLERANCE = 3
# How often a long wait reports "still waiting" when nothing changed (lines come only with polls,
# so a wait polled every 30 s shows one a poll; a short one still shows more than its first line).
HEARTBEAT_SECONDS = 10.0

# API
DEFAULT_CLOUD_DOMAIN = "myhuaweicloud.com"
LIST_PAGE_LIMIT = 100
MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 128
API_TIME_FORMAT = "%Y%m%d%H%M%S"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
