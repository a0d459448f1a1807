//! The host functions of `extern` (brief §9).

use crate::heap::str_of;
use crate::runtime::{Host, Runtime};
use crate::trap::{Trap, TrapKind};
use crate::value::{Val, INT, STR};
use mir14_mir::ExternFn;

impl Runtime {
    /// `extern name(args)`: checks the argument count, then runs the host function.
    pub fn call_extern(
        &mut self,
        host: &mut dyn Host,
        e: ExternFn,
        args: &[Val],
    ) -> Result<Val, Trap> {
        if args.len() != e.arity() {
            return Err(Trap::wrong_arity(e.name(), e.arity(), args.len()));
        }
        match e {
            ExternFn::ConsoleLog | ExternFn::ConsolePrint => {
                let v = args[0];
                if v.tag == STR {
                    self.write_stdout(str_of(v).as_bytes());
                } else {
                    let s = self.to_string_form(host, v)?;
                    self.write_stdout(s.as_bytes());
                }
                if e == ExternFn::ConsoleLog {
                    self.write_stdout(b"\n");
                }
                Ok(Val::VOID)
            }
            ExternFn::ConsoleError => {
                let mut s = self.to_string_form(host, args[0])?;
                s.push('\n');
                self.write_stderr(s.as_bytes());
                Ok(Val::VOID)
            }
            ExternFn::StdinReadLine => Ok(match self.read_line() {
                Some(l) => self.heap.alloc_string(l),
                None => Val::VOID,
            }),
            ExternFn::StdinReadAll => {
                let s = self.read_all();
                Ok(self.heap.alloc_string(s))
            }
            ExternFn::FsRead => {
                let p = args[0];
                if p.tag != STR {
                    return Err(Trap::type_error(format!(
                        "argument 1 of env.fs.read must be String, got {}",
                        self.type_name(p)
                    )));
                }
                let path = str_of(p);
                match std::fs::read_to_string(path) {
                    Ok(s) => Ok(self.heap.alloc_string(s)),
                    Err(err) => Err(Trap::new(
                        TrapKind::IoError,
                        format!("cannot read {path}: {err}"),
                    )),
                }
            }
            ExternFn::Args => {
                let args = self.config.args.clone();
                let items = args.iter().map(|a| self.heap.alloc_str(a)).collect();
                Ok(self.heap.alloc_array(items))
            }
            ExternFn::ProcessExit => {
                let c = args[0];
                if c.tag != INT {
                    return Err(Trap::type_error(format!(
                        "argument 1 of env.process.exit must be Integer, got {}",
                        self.type_name(c)
                    )));
                }
                Err(Trap::exit(c.as_int()))
            }
            ExternFn::EnvGet => {
                let n = args[0];
                if n.tag != STR {
                    return Err(Trap::type_error(format!(
                        "argument 1 of env.get must be String, got {}",
                        self.type_name(n)
                    )));
                }
                // An unset variable, or one that is not Unicode, is `void`.
                Ok(match std::env::var(str_of(n)) {
                    Ok(v) => self.heap.alloc_string(v),
                    Err(_) => Val::VOID,
                })
            }
            ExternFn::EnvSet => {
                for (i, a) in args.iter().enumerate() {
                    if a.tag != STR {
                        return Err(Trap::type_error(format!(
                            "argument {} of env.set must be String, got {}",
                            i + 1,
                            self.type_name(*a)
                        )));
                    }
                }
                let (name, value) = (str_of(args[0]), str_of(args[1]));
                // A name the OS cannot hold (empty, with `=` or NUL; a value with NUL) would
                // make `set_var` panic: it is a TypeError instead.
                if name.is_empty() || name.contains(['=', '\0']) || value.contains('\0') {
                    return Err(Trap::type_error(format!(
                        "env.set cannot set the environment variable {name:?}"
                    )));
                }
                std::env::set_var(name, value);
                Ok(Val::VOID)
            }
            ExternFn::TimeNowMs => {
                let ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                Ok(Val::int(ms))
            }
        }
    }
}
