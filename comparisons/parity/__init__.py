"""The parity harness for manual/ nets: one step, trajectories, the float32 shadow check, the seeds table,
the zoo, the benchmark and the report."""
