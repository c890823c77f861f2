// SPDX-License-Identifier: MIT
// The standard headers hnswlib includes (0.6 to 0.8, and more that a
// later one may), included at global scope before hnswlib itself is
// included inside an anonymous namespace (hnsw.cpp): their include
// guards then keep them out of that namespace. lib/CMakeLists.txt checks
// that the hnswlib found compiles so, with this list.
#ifndef AS_HNSW_STD_H
#define AS_HNSW_STD_H

#include <algorithm>
#include <assert.h>
#include <atomic>
#include <cassert>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#include <immintrin.h>
#include <x86intrin.h>
#endif

#endif
