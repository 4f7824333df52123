//! `cargo run -p frontdesk-arch-check`: prints dependency-rule violations, exits 1 if any.
#![allow(clippy::print_stdout, reason = "a command-line report")]

fn main() -> std::process::ExitCode {
    match frontdesk_arch_check::check_workspace() {
        Ok(violations) if violations.is_empty() => {
            println!("dependency rules hold");
            std::process::ExitCode::SUCCESS
        }
        Ok(violations) => {
            for violation in violations {
                println!("{violation}");
            }
            std::process::ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("{err}");
            std::process::ExitCode::from(2)
        }
    }
}
