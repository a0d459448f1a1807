//! Termination signals while `run --backend aot` builds and runs its temporary executable
//! (spec §9): SIGTERM, SIGINT and SIGHUP sent to `mir14` are forwarded to the program, the
//! temporary directory is removed, and `mir14` then dies by the same signal; a program that dies
//! by a signal makes `mir14` die by that signal too (after the clean-up), exactly as a JIT run
//! would, never an "exit 2" (bad input).

#[cfg(unix)]
mod imp {
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
    use std::sync::Arc;

    /// The signals that ask a process to end.
    const SIGNALS: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

    fn set() -> libc::sigset_t {
        // SAFETY: `sigemptyset`/`sigaddset` initialize and fill a local set.
        unsafe {
            let mut s: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut s);
            for sig in SIGNALS {
                libc::sigaddset(&mut s, sig);
            }
            s
        }
    }

    /// Holds the termination signals blocked in this thread and waits for them on a helper
    /// thread, which forwards them to the child once there is one.
    pub struct Guard {
        /// The pid of the running child (0: none yet).
        child: Arc<AtomicI32>,
        /// The signal received (0: none).
        received: Arc<AtomicI32>,
        done: Arc<AtomicBool>,
        waiter: Option<std::thread::JoinHandle<()>>,
        old: libc::sigset_t,
    }

    impl Guard {
        /// Blocks the termination signals and starts the waiting thread.
        pub fn new() -> Guard {
            let s = set();
            // SAFETY: a zeroed sigset is a valid output buffer.
            let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
            // SAFETY: `s` and `old` are valid sets.
            unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &s, &mut old) };
            let child = Arc::new(AtomicI32::new(0));
            let received = Arc::new(AtomicI32::new(0));
            let done = Arc::new(AtomicBool::new(false));
            let (c, r, d) = (child.clone(), received.clone(), done.clone());
            // The thread inherits the blocked mask and takes the signals with `sigtimedwait`.
            let waiter = std::thread::Builder::new()
                .name("mir14-signals".into())
                .spawn(move || {
                    let ts = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 50_000_000,
                    };
                    while !d.load(Ordering::SeqCst) {
                        // SAFETY: `s` is a valid set; no siginfo is wanted.
                        let sig = unsafe { libc::sigtimedwait(&s, std::ptr::null_mut(), &ts) };
                        if sig > 0 {
                            r.store(sig, Ordering::SeqCst);
                            let pid = c.load(Ordering::SeqCst);
                            if pid > 0 {
                                // SAFETY: sending a signal to our own child.
                                unsafe { libc::kill(pid, sig) };
                            }
                        }
                    }
                })
                .ok();
            Guard {
                child,
                received,
                done,
                waiter,
                old,
            }
        }

        /// Records the running child, forwarding a signal that already arrived.
        pub fn set_child(&self, pid: u32) {
            self.child.store(pid as i32, Ordering::SeqCst);
            let sig = self.received.load(Ordering::SeqCst);
            if sig > 0 {
                // SAFETY: sending a signal to our own child.
                unsafe { libc::kill(pid as i32, sig) };
            }
        }

        /// The termination signal received so far, if any.
        pub fn received(&self) -> Option<i32> {
            Some(self.received.load(Ordering::SeqCst)).filter(|s| *s > 0)
        }

        /// Stops the waiting thread and restores the signal mask (a signal that arrives after
        /// this is handled by its default action).
        pub fn finish(mut self) -> Option<i32> {
            self.stop();
            self.received()
        }

        fn stop(&mut self) {
            self.done.store(true, Ordering::SeqCst);
            if let Some(w) = self.waiter.take() {
                let _ = w.join();
            }
            // SAFETY: `old` is the mask saved by `new`.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if self.waiter.is_some() {
                self.stop();
            }
        }
    }

    /// Makes the child started by `cmd` begin with the termination signals unblocked (a
    /// child inherits the blocked mask of the thread that forks it), and die with its parent:
    /// should `mir14 run` itself be killed by a signal it cannot forward (SIGKILL from a
    /// timeout), the kernel sends the child SIGKILL instead of leaving it running orphaned.
    pub fn unblock_in_child(cmd: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        // SAFETY: `getpid`, `pthread_sigmask`, `prctl`, `getppid` and `raise` are
        // async-signal-safe; `set` only fills a local.
        unsafe {
            let parent = libc::getpid();
            cmd.pre_exec(move || {
                let s = set();
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &s, std::ptr::null_mut());
                #[cfg(target_os = "linux")]
                {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    // The parent may have died before the request took effect.
                    if libc::getppid() != parent {
                        libc::raise(libc::SIGKILL);
                    }
                }
                let _ = parent;
                Ok(())
            });
        }
    }

    /// Ends this process by `sig` with its default action (after the caller has cleaned up);
    /// exits with `128 + sig` should the signal not end it.
    pub fn die_by(sig: i32) -> ! {
        // SAFETY: restoring the default action and raising a signal are always sound.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            let mut s: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut s);
            libc::sigaddset(&mut s, sig);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &s, std::ptr::null_mut());
            libc::raise(sig);
        }
        std::process::exit(128 + sig)
    }
}

#[cfg(not(unix))]
mod imp {
    /// No signals to guard against.
    pub struct Guard;

    impl Guard {
        /// Nothing to block.
        pub fn new() -> Guard {
            Guard
        }
        /// Nothing to record.
        pub fn set_child(&self, _: u32) {}
        /// Never a signal.
        pub fn received(&self) -> Option<i32> {
            None
        }
        /// Never a signal.
        pub fn finish(self) -> Option<i32> {
            None
        }
    }

    /// Nothing to unblock.
    pub fn unblock_in_child(_: &mut std::process::Command) {}

    /// Unreachable without signals; exits with `128 + sig`.
    pub fn die_by(sig: i32) -> ! {
        std::process::exit(128 + sig)
    }
}

pub use imp::{die_by, unblock_in_child, Guard};
