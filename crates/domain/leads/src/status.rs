//! Where a lead stands in the pipeline, where it came from, and which
//! status moves are allowed.
//!
//! The rule is deliberately permissive inside the open pipeline (real
//! conversations skip steps and go back: a cancelled booking returns a lead
//! to `qualified`) and strict about the two outcomes:
//!
//! * any open status (`new`, `contacted`, `qualified`, `booked`) may move to
//!   any other status, including `won` and `lost`;
//! * `won` is terminal except for `lost` (a deal that fell through, a refund);
//! * `lost` is terminal except for `new` (the lead came back: reopen it and
//!   start over);
//! * staying on the same status is not a transition, so it writes no
//!   timeline event.

use frontdesk_kernel::string_enum;

string_enum!(
    /// A lead's pipeline status; new leads start as `new`.
    #[derive(Default)]
    LeadStatus, "status" {
        /// Just arrived; nobody has talked to them yet.
        #[default]
        New => "new",
        /// Someone (or the receptionist) has replied.
        Contacted => "contacted",
        /// Their need and fit are known.
        Qualified => "qualified",
        /// An appointment is booked.
        Booked => "booked",
        /// Became a customer.
        Won => "won",
        /// Will not become a customer.
        Lost => "lost",
    }
);

impl LeadStatus {
    /// True for the pipeline statuses that are not an outcome yet.
    #[must_use]
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Won | Self::Lost)
    }

    /// Whether a lead in `self` may move to `to` (see the module docs for the rule).
    #[must_use]
    pub const fn can_transition_to(self, to: Self) -> bool {
        match (self, to) {
            (Self::Won, Self::Lost) | (Self::Lost, Self::New) => true,
            (Self::Won | Self::Lost, _) => false,
            (from, to) => from as u8 != to as u8,
        }
    }
}

string_enum!(
    /// How a lead reached the business; `manual` when not said.
    #[derive(Default)]
    LeadSource, "source" {
        /// Typed in by a user.
        #[default]
        Manual => "manual",
        /// A CSV (or similar) import.
        Import => "import",
        /// An inbound phone call.
        Call => "call",
        /// An inbound text message.
        Sms => "sms",
        /// An inbound email.
        Email => "email",
        /// The website chat widget.
        Chat => "chat",
        /// A web form submission.
        Form => "form",
        /// Pushed by a connected integration (CRM, calendar, webhook).
        Integration => "integration",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStatus::{Booked, Contacted, Lost, New, Qualified, Won};

    #[test]
    fn every_status_edge_follows_the_documented_rule() {
        let allowed = [
            (New, [false, true, true, true, true, true]),
            (Contacted, [true, false, true, true, true, true]),
            (Qualified, [true, true, false, true, true, true]),
            (Booked, [true, true, true, false, true, true]),
            (Won, [false, false, false, false, false, true]),
            (Lost, [true, false, false, false, false, false]),
        ];
        for (from, row) in allowed {
            for (to, expected) in LeadStatus::ALL.iter().zip(row) {
                assert_eq!(from.can_transition_to(*to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn any_status_but_lost_itself_may_go_to_lost() {
        for from in LeadStatus::ALL.iter().filter(|s| **s != Lost) {
            assert!(from.can_transition_to(Lost), "{from} -> lost");
        }
    }

    #[test]
    fn only_won_and_lost_are_outcomes() {
        let open: Vec<_> = LeadStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
        assert_eq!(open, ["new", "contacted", "qualified", "booked"]);
    }

    #[test]
    fn statuses_and_sources_round_trip_through_strings_and_json() {
        for status in LeadStatus::ALL {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(*status));
            assert_eq!(serde_json::to_string(status).unwrap(), format!("\"{status}\""));
        }
        for source in LeadSource::ALL {
            assert_eq!(source.to_string().parse::<LeadSource>(), Ok(*source));
        }
    }

    #[test]
    fn unknown_strings_list_the_accepted_values() {
        let err = "pending".parse::<LeadStatus>().unwrap_err();
        assert_eq!(err, "unknown status \"pending\"; expected new, contacted, qualified, booked, won, lost");
    }

    #[test]
    fn defaults_are_new_and_manual() {
        assert_eq!((LeadStatus::default(), LeadSource::default()), (New, LeadSource::Manual));
    }
}
