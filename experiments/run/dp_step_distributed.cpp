// One DP-SGD step on K ranks (see dp_step.hpp and docs/distributed.md). Per step:
//   rank 0 -> all   the Poisson sample B_t (its size, then the indices)
//   each rank       2-5 on its chunks (chunk_assignment.hpp), in chunk order
//   rank r -> 0     per chunk it owns, posted as soon as it is done (the rank goes on with its
//                   next chunk): [loss sum, examples, clipped, non-finite, has sum] and the
//                   chunk's sums of every parameter (P floats)
//   rank 0          adds the chunks in chunk order, then 6 noise, 7 optimizer, 8 charge
//   rank 0 -> all   the new parameters (P floats) and the step's result
// Rank 0 alone draws noise (secure or reproducible), so it is added exactly once; every rank
// ends the step with rank 0's parameters, bit for bit; the accountant on every rank is charged
// the same event.
#include <chrono>
#include <cstddef>
#include <cstring>
#include <vector>
#include <utility>

#include "core/error.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/physical_batches.hpp"
#include "experiments/distributed/chunk_assignment.hpp"
#include "experiments/run/dp_step.hpp"

namespace dpt {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

constexpr int kHeader = 5;  // loss sum, examples, clipped, non-finite, has sum (doubles: exact for counts < 2^53)

int64_t parameter_floats(const ParameterList<float>& params) {
  int64_t n = 0;
  for (const Parameter<float>* p : params) n += p->value.size();
  return n;
}

}  // namespace

StepResult DpStep::process_distributed(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const {
  const Communicator& comm = *parts_.communicator;
  double comm_ms = 0.0, bytes = 0.0;
  // 1 rank 0's Poisson sample is everyone's
  auto t0 = Clock::now();
  uint64_t n = batch.size();
  comm.broadcast(&n, sizeof n);
  batch.resize(n);
  if (n > 0) comm.broadcast(batch.data(), n * sizeof(int64_t));
  comm_ms += ms_since(t0);
  bytes += static_cast<double>(sizeof n + n * sizeof(int64_t)) * (comm.size() - 1);

  task.order(batch);  // processing order only: the same on every rank
  const std::vector<std::vector<int64_t>> chunks = physical_batches(batch, parts_.max_physical_batch_size);
  std::vector<int64_t> costs;
  for (const auto& c : chunks) costs.push_back(task.cost(c));
  const std::vector<int> owner = assign_chunks(costs, comm.size());
  const uint64_t step_seed = derive_seed(parts_.dropout_seed, static_cast<uint64_t>(step));
  const int64_t P = parameter_floats(parts_.params);
  std::vector<float> flat(static_cast<size_t>(P));  // the parameters broadcast at the end

  // One chunk's message: kHeader doubles, then P floats (its sums; zeros when it has none).
  const size_t message_bytes = kHeader * sizeof(double) + static_cast<size_t>(P) * sizeof(float);
  const auto pack = [&](const ChunkSum& s) {
    const std::vector<MatrixF>& g = is_private() ? s.sums.clipped.sum : s.sums.plain;
    std::vector<std::byte> m(message_bytes);
    const double header[kHeader] = {s.loss_sum, static_cast<double>(s.sums.clipped.examples),
                                    static_cast<double>(s.sums.clipped.clipped_examples),
                                    static_cast<double>(s.sums.clipped.nonfinite_examples), g.empty() ? 0.0 : 1.0};
    std::memcpy(m.data(), header, sizeof header);
    size_t at = sizeof header;
    for (const MatrixF& x : g) {
      std::memcpy(m.data() + at, x.data(), static_cast<size_t>(x.size()) * sizeof(float));
      at += static_cast<size_t>(x.size()) * sizeof(float);
    }
    return m;
  };
  const auto unpack = [&](const std::vector<std::byte>& m) {
    ChunkSum s;
    double header[kHeader];
    std::memcpy(header, m.data(), sizeof header);
    s.loss_sum = header[0];
    s.sums.clipped.examples = static_cast<int>(header[1]);
    s.sums.clipped.clipped_examples = static_cast<int>(header[2]);
    s.sums.clipped.nonfinite_examples = static_cast<int>(header[3]);
    if (header[4] != 0.0) {
      std::vector<MatrixF>& g = is_private() ? s.sums.clipped.sum : s.sums.plain;
      size_t at = sizeof header;
      for (const Parameter<float>* p : parts_.params) {
        MatrixF x(p->value.rows(), p->value.cols());
        std::memcpy(x.data(), m.data() + at, static_cast<size_t>(x.size()) * sizeof(float));
        at += static_cast<size_t>(x.size()) * sizeof(float);
        g.push_back(std::move(x));
      }
    }
    return s;
  };

  StepResult result;
  result.batch_size = static_cast<int>(batch.size());
  if (!comm.is_root()) {
    // 2-5 on this rank's chunks, each posted to rank 0 as soon as it is done (the rank goes on
    // with its next chunk; the communicator frees a message once rank 0 has it).
    for (size_t c = 0; c < chunks.size(); ++c) {
      if (owner[c] != comm.rank()) continue;
      comm.send_async(pack(chunk_sum(task, chunks[c], c == 0 ? step_seed : derive_seed(step_seed, c))), 0, static_cast<int>(c));
    }
    t0 = Clock::now();
    comm.wait_sends();
    comm_ms += ms_since(t0);
  } else {
    // Rank 0 adds the chunks' sums in chunk order — the additions of a single process. Its own
    // are added as soon as every earlier chunk is in; the other ranks' messages are received once
    // its own chunks are done. (Receiving between its own chunks stalls it: without single-copy
    // transport a large message moves only while its sender calls MPI, and the sender is busy
    // with its next chunk — 11.3 -> 16.5 s/step measured at batch 4,096.) So rank 0 holds the
    // sums of its own chunks after the first chunk of another rank: up to C/K of them.
    GradientSums sums;
    std::vector<ChunkSum> own(chunks.size());
    std::vector<bool> computed(chunks.size(), false);
    size_t next = 0;  // the first chunk not yet added
    std::vector<std::byte> message(message_bytes);
    const auto add_ready = [&](bool wait) {
      while (next < chunks.size()) {
        ChunkSum s;
        if (owner[next] == 0) {
          if (!computed[next]) return;
          s = std::move(own[next]);
        } else {
          if (!wait) return;
          t0 = Clock::now();
          comm.receive(message.data(), message_bytes, owner[next], static_cast<int>(next));
          comm_ms += ms_since(t0);
          bytes += static_cast<double>(message_bytes);
          s = unpack(message);
        }
        result.loss_sum += s.loss_sum;
        merge(std::move(s.sums), sums);
        ++next;
      }
    };
    for (size_t c = 0; c < chunks.size(); ++c) {
      if (owner[c] != 0) continue;
      own[c] = chunk_sum(task, chunks[c], c == 0 ? step_seed : derive_seed(step_seed, c));  // 2-5
      computed[c] = true;
      add_ready(/*wait=*/false);
    }
    add_ready(/*wait=*/true);
    update(std::move(sums), result, step, learning_rate);  // 6-8 on rank 0 alone
    int64_t at = 0;
    for (const Parameter<float>* p : parts_.params) {
      std::copy(p->value.data(), p->value.data() + p->value.size(), flat.data() + at);
      at += p->value.size();
    }
  }
  // rank 0's parameters and result on every rank
  t0 = Clock::now();
  comm.broadcast(flat.data(), flat.size() * sizeof(float));
  double summary[4] = {static_cast<double>(result.batch_size), result.loss_sum, static_cast<double>(result.clipped),
                       static_cast<double>(result.nonfinite)};
  comm.broadcast(summary, sizeof summary);
  comm_ms += ms_since(t0);
  bytes += static_cast<double>(flat.size() * sizeof(float) + sizeof summary) * (comm.size() - 1);
  if (!comm.is_root()) {
    int64_t at = 0;
    for (Parameter<float>* p : parts_.params) {
      std::copy(flat.data() + at, flat.data() + at + p->value.size(), p->value.data());
      at += p->value.size();
    }
    result.batch_size = static_cast<int>(summary[0]);
    result.loss_sum = summary[1];
    result.clipped = static_cast<int>(summary[2]);
    result.nonfinite = static_cast<int>(summary[3]);
    if (is_private()) parts_.accountant->compose(charged_event());  // 8 the same charge on every rank
  }
  stats_.comm_ms += comm_ms;
  stats_.bytes += bytes;
  return result;
}

}  // namespace dpt
