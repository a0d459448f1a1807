//! The loop helper: `begin_loop` … `end_loop`, `break`/`continue` (routed through a dispatch
//! variable for outer loops), and the LoopForms it records.

use super::*;
use crate::ir::{Block, CmpOp, Inst, Value};

#[derive(Debug)]
pub(super) struct LoopState {
    pub(super) header: u32,
    pub(super) body: u32,
    pub(super) latch: u32,
    pub(super) exit: u32,
    pub(super) has_condition: bool,
    pub(super) ended: bool,
    /// Requests (`break`/`continue` of outer loops) that leave this loop through its exit, to
    /// be routed by `end_loop`.
    pub(super) routes: Vec<Route>,
}

/// Where control goes after leaving a loop through its exit.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// `break` of loop `l`.
    Break(usize),
    /// `continue` of loop `l`.
    Continue(usize),
}

impl Route {
    /// The dispatch variable's value for this request (the variable is `void` otherwise).
    pub(super) fn code(self) -> i64 {
        match self {
            Route::Continue(l) => 1 + 2 * l as i64,
            Route::Break(l) => 2 + 2 * l as i64,
        }
    }
}

impl FunctionBuilder {
    // --- loops --------------------------------------------------------------------------------

    /// The index of open loop `lp`.
    pub(super) fn open_loop(&self, lp: &Loop) -> Result<usize, BuildError> {
        if lp.tag != self.tag || lp.index >= self.loops.len() {
            return Err(BuildError::ForeignLoop);
        }
        if self.loops[lp.index].ended {
            return Err(BuildError::LoopEnded);
        }
        Ok(lp.index)
    }

    /// The index of `lp`, which must be the innermost open loop.
    pub(super) fn int_loop(&self, lp: &Loop) -> Result<usize, BuildError> {
        let l = self.open_loop(lp)?;
        if self.open_loops.last() != Some(&l) {
            return Err(BuildError::NotInnermostLoop);
        }
        Ok(l)
    }

    /// The hidden dispatch variable of routed requests, made on first use.
    pub(super) fn dispatch_var(&mut self) -> u32 {
        let count = &mut self.var_count;
        *self.dispatch.get_or_insert_with(|| {
            *count += 1;
            *count - 1
        })
    }

    /// Opens a loop: ends the insertion block with `jump header` (it becomes the preheader),
    /// creates the header, body, latch and exit blocks, and makes the header the insertion block.
    /// Emit the condition there (straight-line code) and call [`FunctionBuilder::loop_condition`].
    pub fn begin_loop(&mut self) -> Result<Loop, BuildError> {
        let pre = self.ensure_block();
        if self.terminated(pre) {
            return Err(BuildError::BlockTerminated(
                self.blocks[pre as usize].label.clone(),
            ));
        }
        let header = self.new_block(None);
        let body = self.new_block(None);
        let latch = self.new_block(None);
        let exit = self.new_block(None);
        self.push_inst(Inst::Jump {
            target: Block(header),
        })?;
        self.cur = Some(header);
        let index = self.loops.len();
        self.loops.push(LoopState {
            header,
            body,
            latch,
            exit,
            has_condition: false,
            ended: false,
            routes: Vec::new(),
        });
        self.open_loops.push(index);
        Ok(Loop {
            tag: self.tag,
            index,
            header: self.ext_block(header),
            body: self.ext_block(body),
            latch: self.ext_block(latch),
            exit: self.ext_block(exit),
        })
    }

    /// Ends the loop header with `branch cond, body, exit` and makes the body the insertion
    /// block. The insertion block must be the header (the condition is straight-line code). For
    /// an infinite loop pass `bconst(true)`.
    pub fn loop_condition(&mut self, lp: &Loop, cond: Value) -> Result<(), BuildError> {
        let l = self.int_loop(lp)?;
        let cond = Value(self.int_value(cond)?);
        let LoopState {
            header,
            body,
            exit,
            has_condition,
            ..
        } = self.loops[l];
        if has_condition || self.cur != Some(header) || self.terminated(header) {
            return Err(BuildError::LoopConditionNotInHeader);
        }
        self.push_inst(Inst::Branch {
            cond,
            then_block: Block(body),
            else_block: Block(exit),
        })?;
        self.loops[l].has_condition = true;
        // The header is the body's only predecessor.
        self.seal(body);
        self.cur = Some(body);
        Ok(())
    }

    /// The innermost open loop, which must have its condition (we are in its body).
    pub(super) fn innermost_in_body(&self) -> Result<Option<usize>, BuildError> {
        match self.open_loops.last() {
            Some(&l) if !self.loops[l].has_condition => Err(BuildError::LoopConditionMissing),
            other => Ok(other.copied()),
        }
    }

    /// Fails if the insertion point is a block that already ends with a terminator.
    pub(super) fn check_open(&mut self) -> Result<(), BuildError> {
        let b = self.ensure_block();
        if self.terminated(b) {
            return Err(BuildError::BlockTerminated(
                self.blocks[b as usize].label.clone(),
            ));
        }
        Ok(())
    }

    /// Leaves innermost loop `l` through its exit from the insertion block: `jump exit` (the
    /// block is in the loop's region, so this is the loop's canonical exit edge).
    pub(super) fn leave_loop(&mut self, l: usize) -> Result<(), BuildError> {
        self.check_open()?;
        let exit = self.loops[l].exit;
        self.push_inst(Inst::Jump {
            target: Block(exit),
        })
    }

    /// Performs `route` from the insertion block: a direct `continue` (`jump latch`) or `break`
    /// (`jump exit`) of the innermost loop, or otherwise (a request for an outer loop) sets the
    /// dispatch variable and leaves the innermost loop through its exit, where
    /// [`FunctionBuilder::end_loop`] routes it further.
    pub(super) fn perform(&mut self, route: Route) -> Result<(), BuildError> {
        let Some(inner) = self.innermost_in_body()? else {
            // Requests name open loops, so some loop is open; refuse rather than panic.
            return Err(BuildError::LoopEnded);
        };
        match route {
            Route::Continue(l) if l == inner => {
                self.check_open()?;
                let latch = self.loops[l].latch;
                return self.push_inst(Inst::Jump {
                    target: Block(latch),
                });
            }
            Route::Break(l) if l == inner => return self.leave_loop(l),
            _ => {}
        }
        self.check_open()?;
        let code = self.iconst(route.code())?;
        let code = self.int_value(code)?;
        let var = self.dispatch_var();
        let b = self.ensure_block();
        self.defs.insert((var, b), code);
        self.leave_loop(inner)?;
        let routes = &mut self.loops[inner].routes;
        if !routes.contains(&route) {
            routes.push(route);
        }
        Ok(())
    }

    /// `break`: leaves loop `lp`. For the innermost loop, ends the insertion block with
    /// `jump exit`. `lp` may be an outer loop of the innermost open loop: the break is then
    /// routed, leaving each inner loop through its exit (see the module documentation).
    pub fn break_loop(&mut self, lp: &Loop) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform(Route::Break(l))
    }

    /// `continue`: starts the next iteration of loop `lp` (`jump latch`). `lp` may be an outer
    /// loop of the innermost open loop, as for [`FunctionBuilder::break_loop`].
    pub fn continue_loop(&mut self, lp: &Loop) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform(Route::Continue(l))
    }

    /// `if cond { break }`: for the innermost loop, `branch cond, exit, next` (the plainest
    /// canonical exit); for an outer loop the break is routed. Continues in the new block `next`.
    pub fn break_if(&mut self, lp: &Loop, cond: Value) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform_if(Route::Break(l), cond)
    }

    /// `if cond { continue }`: for the innermost loop, `branch cond, latch, next`; for an outer
    /// loop the continue is routed. Continues in the new block `next`.
    pub fn continue_if(&mut self, lp: &Loop, cond: Value) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform_if(Route::Continue(l), cond)
    }

    pub(super) fn perform_if(&mut self, route: Route, cond: Value) -> Result<(), BuildError> {
        let cond = Value(self.int_value(cond)?);
        let inner = self.innermost_in_body()?;
        self.check_open()?;
        let direct = match (route, inner) {
            (Route::Break(l), Some(i)) if l == i => Some(self.loops[l].exit),
            (Route::Continue(l), Some(i)) if l == i => Some(self.loops[l].latch),
            _ => None,
        };
        let next = self.new_block(None);
        match direct {
            Some(target) => {
                self.push_inst(Inst::Branch {
                    cond,
                    then_block: Block(target),
                    else_block: Block(next),
                })?;
            }
            None => {
                let taken = self.new_block(None);
                self.push_inst(Inst::Branch {
                    cond,
                    then_block: Block(taken),
                    else_block: Block(next),
                })?;
                self.seal(taken);
                self.cur = Some(taken);
                self.perform(route)?;
            }
        }
        self.seal(next);
        self.cur = Some(next);
        Ok(())
    }

    /// Closes the innermost open loop: if the insertion block is still open it jumps to the
    /// latch; the latch jumps back to the header; header, latch and exit are sealed (completing
    /// the header phis); the [`LoopForm`] is recorded; the exit becomes the insertion block.
    ///
    /// If `break`s or `continue`s of outer loops left this loop through its exit, the
    /// exit then dispatches on the hidden dispatch variable: `compare eq` with each request's
    /// code and a `branch` to a block performing it one level further out; the insertion block
    /// is the last dispatch's fall-through block.
    pub fn end_loop(&mut self, lp: Loop) -> Result<(), BuildError> {
        let l = self.int_loop(&lp)?;
        let LoopState {
            header,
            latch,
            exit,
            has_condition,
            ..
        } = self.loops[l];
        if !has_condition {
            return Err(BuildError::LoopConditionMissing);
        }
        if let Some(c) = self.cur {
            if !self.terminated(c) {
                self.push_inst(Inst::Jump {
                    target: Block(latch),
                })?;
            }
        }
        self.seal(latch);
        self.cur = Some(latch);
        self.push_inst(Inst::Jump {
            target: Block(header),
        })?;
        self.seal(header);
        self.seal(exit);
        self.cur = Some(exit);
        self.loops[l].ended = true;
        self.open_loops.pop();
        let routes = std::mem::take(&mut self.loops[l].routes);
        if let Some(var) = self.dispatch.filter(|_| !routes.is_empty()) {
            let d = self.read_var(var, exit);
            let d = self.ext_value(d);
            for route in routes {
                let code = self.iconst(route.code())?;
                let cond = self.compare(CmpOp::Eq, d, code)?;
                let cond = Value(self.int_value(cond)?);
                let taken = self.new_block(None);
                let next = self.new_block(None);
                self.push_inst(Inst::Branch {
                    cond,
                    then_block: Block(taken),
                    else_block: Block(next),
                })?;
                self.seal(taken);
                self.seal(next);
                // The request is consumed here: the dispatch variable is void again.
                self.cur = Some(taken);
                let undef = self.undef_value();
                self.defs.insert((var, taken), undef);
                self.perform(route)?;
                self.cur = Some(next);
            }
            // No request matched: none was in flight, so the dispatch variable is void here.
            // Saying so keeps it from flowing back into enclosing loops as phis.
            let undef = self.undef_value();
            if let Some(next) = self.cur {
                self.defs.insert((var, next), undef);
            }
        }
        Ok(())
    }
}
