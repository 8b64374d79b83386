// SPDX-License-Identifier: MIT
/*
 * bench/gbench/shim.cc - registers the C bodies of micro.h with Google
 * Benchmark.  Kept thin on purpose: setup, one batched run, teardown and
 * the counters; the timing model is described in micro.h.
 */
#include <benchmark/benchmark.h>

#include <cstdint>

#include "micro.h"

namespace
{

void run_micro(benchmark::State &state, const vrq_micro *m, unsigned kind)
{
	vrq_micro_arg a{ kind };
	void *ctx = nullptr;
	uint64_t cycles = 0;

	// fresh ring per run: each run starts from a warmed-up, empty ring
	if (m->setup(&ctx, m, &a)) {
		state.SkipWithError("setup failed");
		return;
	}
	// one iteration = one op; the C body batches them (no C++ loop per op)
	while (state.KeepRunningBatch(state.max_iterations)) {
		vrq_micro_time t{ 0, 0 };

		m->run(ctx, static_cast<uint64_t>(state.max_iterations), &t);
		state.SetIterationTime(static_cast<double>(t.ns) * 1e-9);
		cycles += t.cycles;
	}
	m->teardown(ctx);
	state.SetItemsProcessed(state.iterations());
	state.counters["cycles/op"] =
		benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kAvgIterations);
	state.SetLabel(m->what);
}

void add(const vrq_micro *m, unsigned kind)
{
	char name[128];

	vrq_micro_name(m, kind, name, sizeof(name));
	benchmark::RegisterBenchmark(name, run_micro, m, kind)
		->UseManualTime()
		->Unit(benchmark::kNanosecond);
}

} // namespace

int main(int argc, char **argv)
{
	for (unsigned i = 0; i < vrq_micro_count; i++) {
		const vrq_micro *m = &vrq_micros[i];

		if (!m->kinds)
			add(m, 0);
		for (unsigned kind = 0; kind < 2; kind++)
			if (m->kinds & (1u << kind))
				add(m, kind);
	}
	benchmark::AddCustomContext("vrq_cycles", "vrq_cycles() ticks (x86: TSC)");
	benchmark::AddCustomContext("vrq_timing",
				    "manual time: only the timed ops of each round (micro.h)");
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
