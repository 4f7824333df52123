//! Open now: whether a schedule is open at an instant, and when it next opens and closes.
