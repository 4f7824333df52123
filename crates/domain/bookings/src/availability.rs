//! Availability: the free slots of a schedule, as UTC instants, DST-correct.
