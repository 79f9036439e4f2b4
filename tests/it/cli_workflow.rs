//! The workflow through the `lback` command as a process, on each
//! database: six model revisions, bad input, progress on a terminal, and
//! `rollback` asking (the bodies are in `tests/support/workflow.rs`).

use crate::workflow::{bad_input, progress_on_a_terminal, rollback_asks, workflow};

backend_tests!(workflow, bad_input, progress_on_a_terminal, rollback_asks);
