//! A progress bar on stderr that stays out of the way: hidden when stderr is not a terminal
//! (logs, CI, pipes) or with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(quiet: bool) -> Self {
        let bar = ProgressBar::with_draw_target(
            Some(1),
            if quiet {
                ProgressDrawTarget::hidden()
            } else {
                ProgressDrawTarget::stderr()
            },
        );
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:32} {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        Self(bar)
    }

    pub fn set(&self, done: u64, total: u64, what: &str) {
        self.0.set_length(total);
        self.0.set_position(done);
        self.0.set_message(what.to_string());
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
