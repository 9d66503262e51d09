"""Home visits (issue #19): the day's visit list (proposals), a round by area, and lone
working (start, extend, escalate, end). See docs/visits.md."""
