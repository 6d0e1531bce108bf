//! The journal event an operator's action leaves: written by [`crate::actions`], shown by
//! [`crate::timeline`].

/// The kind of the journal events the console writes for a person's action. Its payload
/// has `action` (`resolve_now`, `revoke`, `refund`, `conflict_handled`), `by` (the login
/// identity), `action_id` (the form's: a second event with the same id is never written),
/// and what came of it (`result`, `note`).
pub const ACTION_EVENT: &str = "console_action";
