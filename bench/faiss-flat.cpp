// SPDX-License-Identifier: MIT
// The FAISS baseline of bench/search.sh: IndexFlatL2 (exact, brute force)
// over N random dim-D vectors, NQ queries at once, top 10, one thread;
// REPS runs, each printed as: total_s  ms_per_query. Built by the script
// only when libfaiss-dev and g++ are installed (never a dependency).
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int
main(int argc, char **argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: faiss-flat N DIM NQ REPS\n");
        return 2;
    }
    size_t n = std::strtoul(argv[1], nullptr, 10);
    size_t d = std::strtoul(argv[2], nullptr, 10);
    size_t nq = std::strtoul(argv[3], nullptr, 10);
    int reps = std::atoi(argv[4]);
    const size_t k = 10;
    omp_set_num_threads(1);
    std::vector<float> x(n * d), q(nq * d);
    std::mt19937 rng(1);
    std::normal_distribution<float> g;
    for (auto &v : x)
        v = g(rng);
    for (auto &v : q)
        v = g(rng);
    faiss::IndexFlatL2 ix(d);
    ix.add(n, x.data());
    std::vector<float> dist(nq * k);
    std::vector<faiss::Index::idx_t> lab(nq * k);
    for (int r = 0; r < reps; r++) {
        auto t0 = std::chrono::steady_clock::now();
        ix.search(nq, q.data(), k, dist.data(), lab.data());
        auto t1 = std::chrono::steady_clock::now();
        double s = std::chrono::duration<double>(t1 - t0).count();
        std::printf("%.4f\t%.4f\n", s, s * 1e3 / double(nq));
    }
    return 0;
}
