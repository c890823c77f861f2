/* SPDX-License-Identifier: MIT */
/* Umbrella header of libaudiosearch. */
#ifndef AS_AS_H
#define AS_AS_H

#include "as/error.h"
#include "as/version.h"
#include "as/decode.h"
#include "as/resample.h"
#include "as/pathlist.h"
#include "as/file.h"
#include "as/parallel.h"
#include "as/featio.h"
#include "as/filter.h"
#include "as/features.h"
#include "as/batch.h"
#include "as/index.h"
#include "as/learn.h"
#include "as/search.h"
#include "as/reasons.h"
#include "as/cluster.h"
#include "as/map.h"
#include "as/anomaly.h"
#include "as/kind.h"
#include "as/ann.h"
#include "as/summary.h"
#include "as/query.h"

#endif
