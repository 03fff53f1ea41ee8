/*
 * approve_view.c: A on the dashboard: a second operator's approval of a
 * destructive step another operator's run waits on (four eyes,
 * approval.h). Once a second the main loop calls ui_approve_tick, which
 * reads the pending requests (small local files: no network, no wait) and
 * keeps the first one this user may approve; a new one is announced on the
 * message line. The view shows the step, the exact command, its hosts and
 * the data-loss estimate; typing the step id and Enter writes the approval
 * file (this process's own uid is what the run trusts). Read-only mode can
 * never approve: the key is refused with the reason.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_internal.h"

#include "drconsole/runbook/approval.h"
#include "drconsole/util/duration.h"

struct ui_approve {
	struct approval_request rq;	/* the request shown; run_id NULL: none */
	char announced[33];		/* nonce of the request last announced */
	char done[33];			/* nonce this console approved */
	char input[64];			/* the typed step id so far */
};

static struct ui_approve *
get(struct ui *ui)
{
	if (ui->approve == NULL)
		ui->approve = xcalloc(1, sizeof *ui->approve);
	return ui->approve;
}

void
ui_approve_free(struct ui *ui)
{
	if (ui->approve == NULL)
		return;
	approval_request_clear(&ui->approve->rq);
	free(ui->approve);
	ui->approve = NULL;
}

void
ui_approve_tick(struct ui *ui)
{
	struct ui_approve *a;
	size_t n;
	char **ids;
	bool found = false;

	if (ui->cfg->state_dir == NULL || (ui->approve == NULL && access(ui->cfg->state_dir, R_OK) != 0))
		return;
	ids = approval_pending(ui->cfg->state_dir, &n);
	a = get(ui);
	for (size_t i = 0; i < n && !found; i++) {
		struct approval_request rq;
		char *err = NULL;

		if (approval_request_load(ui->cfg->state_dir, ids[i], &rq, &err) != 0) {
			free(err);
			continue;
		}
		if (rq.operator_uid == (long)geteuid() || rq.expires_ms <= ui->now_ms ||
		    strcmp(rq.nonce, a->done) == 0) {
			approval_request_clear(&rq);
			continue;
		}
		found = true;
		if (a->rq.run_id == NULL || strcmp(a->rq.nonce, rq.nonce) != 0) {
			approval_request_clear(&a->rq);
			a->rq = rq;
			a->input[0] = '\0';
		} else {
			approval_request_clear(&rq);
		}
	}
	str_array_free(ids, n);
	if (!found && a->rq.run_id != NULL) {
		approval_request_clear(&a->rq);
		if (ui->view == UI_VIEW_APPROVE) {
			ui_overlay_close(ui, UI_VIEW_DASH);
			ui_message(ui, UI_message, "the request for approval is gone (approved, expired or withdrawn)");
		}
	}
	if (found && strcmp(a->announced, a->rq.nonce) != 0) {
		snprintf(a->announced, sizeof a->announced, "%s", a->rq.nonce);
		ui_message(ui, UI_warn, "%s waits for a second operator to approve step %s: A reviews it",
			   a->rq.operator_user, a->rq.step_id);
	}
	if (ui->view == UI_VIEW_APPROVE)
		ui->dirty |= UI_DIRTY_OVERLAY;	/* the countdown */
}

bool
ui_approve_open(struct ui *ui)
{
	ui_approve_tick(ui);
	if (ui->approve == NULL || ui->approve->rq.run_id == NULL)
		return false;
	ui->approve->input[0] = '\0';
	ui->view = UI_VIEW_APPROVE;
	ui->dirty |= UI_DIRTY_OVERLAY;
	return true;
}

void
ui_approve_draw(struct ui *ui)
{
	const struct ui_approve *a = ui->approve;
	const struct approval_request *rq;
	char line[512], left[32];
	WINDOW *w;
	int y = 1, width;

	if (a == NULL || a->rq.run_id == NULL)
		return;
	rq = &a->rq;
	w = ui_overlay_window(ui, 14, 110);
	width = getmaxx(w) - 4;
	snprintf(line, sizeof line, " APPROVE a destructive step of run %s ", rq->run_id);
	ui_put(w, 0, 2, line, width, ui_theme_attr(UI_title) | (int)A_BOLD);
	snprintf(line, sizeof line, "operator   %s (uid %ld), %s", rq->operator_user, rq->operator_uid, rq->mode);
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_normal));
	snprintf(line, sizeof line, "step       %s: %s", rq->step_id, rq->title);
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_warn) | (int)A_BOLD);
	snprintf(line, sizeof line, "on         %s", rq->hosts);
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_normal));
	snprintf(line, sizeof line, "command    %s", rq->command);
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_normal) | (int)A_BOLD);
	snprintf(line, sizeof line, "data loss  %s", rq->estimate);
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_normal));
	snprintf(line, sizeof line, "expires    in %s", duration_format(rq->expires_ms > ui->now_ms ?
		 rq->expires_ms - ui->now_ms : 0, left, sizeof left));
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_dim));
	y++;
	snprintf(line, sizeof line, "Type the step id '%s' and Enter to approve it as uid %ld (Esc cancels):",
		 rq->step_id, (long)geteuid());
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_normal));
	snprintf(line, sizeof line, "> %s_", a->input);
	ui_put(w, y++, 2, line, width, ui_theme_attr(UI_selection));
	wnoutrefresh(w);
}

static void
approve_now(struct ui *ui)
{
	struct ui_approve *a = ui->approve;
	char *err = NULL, *path = NULL;

	if (strcmp(a->input, a->rq.step_id) != 0) {
		ui_message(ui, UI_warn, "does not match the step id '%s': not approved", a->rq.step_id);
		a->input[0] = '\0';
		ui->dirty |= UI_DIRTY_OVERLAY;
		return;
	}
	if (approval_grant_write(ui->cfg->state_dir, &a->rq, ui->opts->mode == RUN_READ_ONLY,
				 ui->now_ms, &path, &err) != 0) {
		ui_message(ui, UI_crit, "approve refused: %s", err);
		free(err);
	} else {
		snprintf(a->done, sizeof a->done, "%s", a->rq.nonce);
		ui_message(ui, UI_ok, "approved step %s of run %s: the run goes on when it sees it",
			   a->rq.step_id, a->rq.run_id);
		free(path);
	}
	approval_request_clear(&a->rq);
	ui_overlay_close(ui, UI_VIEW_DASH);
}

void
ui_approve_key(struct ui *ui, int ch)
{
	struct ui_approve *a = ui->approve;
	size_t len;

	if (a == NULL || a->rq.run_id == NULL || ch == 27) {
		ui_overlay_close(ui, UI_VIEW_DASH);
		return;
	}
	len = strlen(a->input);
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		approve_now(ui);
		return;
	}
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len > 0)
		a->input[len - 1] = '\0';
	else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof a->input)
		a->input[len] = (char)ch, a->input[len + 1] = '\0';
	ui->dirty |= UI_DIRTY_OVERLAY;
}
