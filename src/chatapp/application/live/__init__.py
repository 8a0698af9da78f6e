"""Live delivery: events reach the open connections of the people they concern, in order."""
