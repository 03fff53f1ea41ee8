# Helpers shared by lab tests (sourced; not a test itself).

# drill_run_id < OUTPUT: the run id a drill's line-mode output names
drill_run_id() { sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1; }

# harmless_runbooks DIR: DIR/fo.yml, a failover (model replicated) and
# DIR/fb.yml, a fail-back, each one step that runs `true` on a control host
harmless_runbooks() {
	cat > "$1/fo.yml" <<RB
name: Harmless failover
model: replicated
steps:
  - id: look
    on: secondary:control
    run: "true"
RB
	cat > "$1/fb.yml" <<RB
name: Harmless fail-back
model: failback
steps:
  - id: look
    on: primary:control
    run: "true"
RB
}
