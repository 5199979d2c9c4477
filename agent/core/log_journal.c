/* log_journal.c - the journald sink with structured fields (ANYROAM_SESSION_ID, ...). */
#include "log.h"

#include <stdio.h>
#include <systemd/sd-journal.h>

void log_sink_journal(void *user_data, enum log_level level, const char *module, const char *func,
		      const struct log_fields *fields, const char *msg)
{
	char reason[32] = "";
	const char *sid = fields && fields->session_id ? fields->session_id : "";

	(void)user_data;
	if (fields && fields->reason_code)
		snprintf(reason, sizeof(reason), "%d", fields->reason_code);
	sd_journal_send("MESSAGE=%s: %s: %s", module, func, msg, "PRIORITY=%d", (int)level,
			"ANYROAM_MODULE=%s", module, "CODE_FUNC=%s", func,
			"ANYROAM_SESSION_ID=%s", sid, "ANYROAM_REASON_CODE=%s", reason, NULL);
}
