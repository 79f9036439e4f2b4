//! Everything the command line prints goes through here. The macros below
//! shadow `print!`, `println!` and `eprintln!` in every module of `cli`
//! (declared after this one), so no printing there can bypass them.
//!
//! std's macros panic when the stream is gone: `lback showmigrations |
//! head` died with "failed printing to stdout: Broken pipe" (exit 101).
//! Here a closed stdout ends the output quietly: nothing more is written to
//! it, no message, and the command itself goes on (a `migrate` piped into
//! `head` still finishes its migration rather than stopping half way) and
//! exits with its own status.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Writes to stdout; once a write fails, later ones are dropped. A reader
/// that went away (broken pipe) is normal; any other failure (a full disk)
/// is reported once on stderr.
pub(crate) fn to_stdout(args: fmt::Arguments<'_>) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_fmt(args) {
        STDOUT_GONE.store(true, Ordering::Relaxed);
        if error.kind() != ErrorKind::BrokenPipe {
            to_stderr(format_args!(
                "warning: cannot write to standard output: {error}\n"
            ));
        }
    }
}

/// Writes to stderr; a closed stderr is ignored (there is nowhere left to
/// say anything).
pub(crate) fn to_stderr(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::cli::print::to_stdout(format_args!($($arg)*))
    };
}

macro_rules! println {
    () => {
        $crate::cli::print::to_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::print::to_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

macro_rules! eprintln {
    () => {
        $crate::cli::print::to_stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::print::to_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}
