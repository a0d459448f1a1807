//! Analyses: predecessors/successors, dominator tree, back edges, natural loops, LoopForm
//! inference and the call graph.
