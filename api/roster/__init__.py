"""Each cell's duty roster (一格多元): members with history, leaders' absences covered by the
backup, and the roster members and departments a case is dispatched to."""
