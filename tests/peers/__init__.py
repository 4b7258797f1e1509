"""The vendor's Go and Java SDKs as test-only peers of the emulator (see :mod:`.build`)."""
