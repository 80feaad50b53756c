/*
 * The KPI report's JSON (GET /api/reports/kpis). Part of the codec, like
 * proto_rest.h: the handler computes, this only writes. Returns malloc'd text,
 * or NULL when out of memory.
 */
#ifndef PARLEY_PROTO_KPI_H
#define PARLEY_PROTO_KPI_H

#include <stdint.h>
#include "parley/kpi.h"

/* agent_id: the agent the report is restricted to, 0 for everyone (null). */
char *proto_kpi_report(const struct kpi_report *r, int64_t agent_id);

#endif
