// DpStep on K ranks (experiments/run/dp_step_distributed.cpp, docs/distributed.md) without MPI:
// K threads of this process, each a rank with its own model, joined by an in-process
// Communicator. The parameters after every step equal one process's bit for bit, for K = 1..4,
// private (noise added exactly once: a second draw would change the bits) and non-private, with
// chunks and without, an empty batch included; every rank's accountant is charged every step.
// The same holds end to end over Open MPI in tests/experiments/distributed_run_test.sh.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <vector>

#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"
#include "experiments/distributed/communicator.hpp"
#include "experiments/run/dp_step.hpp"
#include "optim/adam.hpp"

namespace dpt {
namespace {

// K ranks as threads: broadcasts in call order, buffered point-to-point mailboxes. A wait that
// lasts 20 s throws (a deadlock fails the test instead of hanging it).
class ThreadJob {
 public:
  explicit ThreadJob(int size) : size_(size) {}
  int size() const { return size_; }

  void broadcast(int rank, uint64_t seq, void* data, std::size_t bytes) {
    std::unique_lock lock(m_);
    if (rank == 0) {
      wait(lock, [&] { return readers_left_ == 0; });
      payload_.assign(static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + bytes);
      generation_ = seq;
      readers_left_ = size_ - 1;
      cv_.notify_all();
      return;
    }
    wait(lock, [&] { return generation_ == seq && readers_left_ > 0; });
    if (payload_.size() != bytes) throw std::logic_error("broadcast: sizes differ between ranks");
    std::memcpy(data, payload_.data(), bytes);
    if (--readers_left_ == 0) cv_.notify_all();
  }
  void send(int from, int to, int tag, const void* data, std::size_t bytes) {
    std::unique_lock lock(m_);
    mail_[{from, to, tag}].emplace_back(static_cast<const unsigned char*>(data), static_cast<const unsigned char*>(data) + bytes);
    cv_.notify_all();
  }
  void receive(int from, int to, int tag, void* data, std::size_t bytes) {
    std::unique_lock lock(m_);
    auto& box = mail_[{from, to, tag}];
    wait(lock, [&] { return !box.empty(); });
    if (box.front().size() != bytes) throw std::logic_error("receive: message size differs");
    std::memcpy(data, box.front().data(), bytes);
    box.pop_front();
  }

 private:
  template <typename Pred>
  void wait(std::unique_lock<std::mutex>& lock, Pred ready) {
    if (!cv_.wait_for(lock, std::chrono::seconds(20), ready)) throw std::runtime_error("ThreadJob: a rank waited 20 s (deadlock)");
  }
  int size_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<unsigned char> payload_;
  uint64_t generation_ = 0;
  int readers_left_ = 0;
  std::map<std::tuple<int, int, int>, std::deque<std::vector<unsigned char>>> mail_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadJob& job, int rank) : job_(job), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return job_.size(); }
  void broadcast(void* data, std::size_t bytes) const override { job_.broadcast(rank_, ++broadcasts_, data, bytes); }
  void send(const void* data, std::size_t bytes, int dest, int tag) const override { job_.send(rank_, dest, tag, data, bytes); }
  void receive(void* data, std::size_t bytes, int source, int tag) const override { job_.receive(source, rank_, tag, data, bytes); }
  void send_async(std::vector<std::byte> message, int dest, int tag) const override {
    send(message.data(), message.size(), dest, tag);
  }
  void wait_sends() const override {}
  std::vector<std::string> all_gather(const std::string&) const override { throw std::logic_error("not used by DpStep"); }
  [[noreturn]] void abort(int code) const override { throw std::runtime_error("abort " + std::to_string(code)); }

 private:
  ThreadJob& job_;
  int rank_;
  mutable uint64_t broadcasts_ = 0;
};

constexpr int kVocab = 9, kN = 24;

// Token sequences of lengths 2..7 with a label; longest first, as the trainer orders a batch.
class RaggedTask : public StepTask {
 public:
  explicit RaggedTask(SequenceModel<float>& model) : model_(model) {
    const CounterRng rng(5);
    uint64_t k = 0;
    for (int i = 0; i < kN; ++i) {
      std::vector<int32_t> seq(2 + rng.bits(k++) % 6);
      for (int32_t& t : seq) t = static_cast<int32_t>(rng.bits(k++) % kVocab);
      tokens_.push_back(seq);
      labels_.push_back(static_cast<int32_t>(rng.bits(k++) % 2));
    }
  }
  void order(std::vector<int64_t>& batch) const override {
    std::stable_sort(batch.begin(), batch.end(), [this](int64_t a, int64_t b) { return length(a) > length(b); });
  }
  int64_t cost(const std::vector<int64_t>& chunk) const override {
    int64_t n = 0;
    for (const int64_t i : chunk) n += length(i);
    return n;
  }
  LossResult<float> loss(Tape<float>& tape, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const override {
    const int B = static_cast<int>(chunk.size());
    std::vector<int> lengths;
    for (const int64_t i : chunk) lengths.push_back(length(i));
    const int T = B > 0 ? lengths[0] : 1;
    SequenceBatch<float> batch{BatchLayout::sequence(lengths), nullptr, {}};
    auto ids = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(B) * T, 0);
    std::vector<int32_t> labels;
    for (int j = 0; j < B; ++j) {
      const auto& seq = tokens_[static_cast<size_t>(chunk[j])];
      for (size_t t = 0; t < seq.size(); ++t) (*ids)[t * static_cast<size_t>(B) + static_cast<size_t>(j)] = seq[t];
      labels.push_back(labels_[static_cast<size_t>(chunk[j])]);
    }
    batch.tokens = ids;
    return cross_entropy_loss(tape, model_.forward(tape, batch, true, dropout_seed), labels);
  }

 private:
  int length(int64_t i) const { return static_cast<int>(tokens_[static_cast<size_t>(i)].size()); }
  SequenceModel<float>& model_;
  std::vector<std::vector<int32_t>> tokens_;
  std::vector<int32_t> labels_;
};

SequenceModelSpec spec() {
  SequenceModelSpec s;
  s.vocab_size = kVocab;
  s.embedding_dim = 4;
  RecurrentLayerSpec gru;
  gru.cell = RecurrentCell::kGru;
  gru.hidden = 5;
  gru.bidirectional = true;
  gru.dropout = 0.25;
  RecurrentLayerSpec lstm;
  lstm.hidden = 3;
  s.recurrent = {gru, lstm};
  s.outputs = 2;
  return s;
}

// One rank's training state (every rank builds the same; the Poisson sample and the noise of a
// non-zero rank are never drawn).
struct Rank {
  Rank(bool dp, double q, int chunk)
      : model(spec(), 3), params(model.parameters()), task(model), randomness(17), noise(randomness),
        sampler(kN, q, randomness), privatizer(config(q), noise) {
    parts.params = params;
    parts.optimizer = &adam;
    parts.sampler = &sampler;
    parts.privatizer = dp ? &privatizer : nullptr;
    parts.accountant = dp ? &accountant : nullptr;
    parts.max_physical_batch_size = chunk;
    parts.dropout_seed = 99;
  }
  static PrivatizerConfig config(double q) {
    PrivatizerConfig pc;
    pc.noise_multiplier = 0.9;
    pc.clipping.clip_norm = 0.3;
    pc.expected_batch_size = q * kN;
    return pc;
  }
  std::vector<MatrixF> values() const {
    std::vector<MatrixF> v;
    for (const Parameter<float>* p : params) v.push_back(p->value);
    return v;
  }
  SequenceModel<float> model;
  ParameterList<float> params;
  RaggedTask task;
  Adam<float> adam;
  ReproducibleRandomness randomness;
  GaussianNoise noise;
  PoissonSampler sampler;
  Privatizer privatizer;
  RdpAccountant accountant;
  DpStepParts parts;
};

constexpr int kSteps = 4;

struct Trace {
  std::vector<std::vector<MatrixF>> params;  // after each step
  std::vector<StepResult> results;
  size_t charges = 0;  // steps charged to the rank's accountant
};

Trace run_ranks(int K, bool dp, double q, int chunk, std::vector<Trace>* others = nullptr) {
  ThreadJob job(K);
  std::vector<std::unique_ptr<Rank>> ranks;
  std::vector<std::unique_ptr<ThreadCommunicator>> comms;
  for (int r = 0; r < K; ++r) {
    ranks.push_back(std::make_unique<Rank>(dp, q, chunk));
    comms.push_back(std::make_unique<ThreadCommunicator>(job, r));
    if (K > 1) ranks[static_cast<size_t>(r)]->parts.communicator = comms[static_cast<size_t>(r)].get();
  }
  std::vector<Trace> traces(static_cast<size_t>(K));
  std::vector<std::string> errors(static_cast<size_t>(K));
  std::vector<std::thread> threads;
  for (int r = 0; r < K; ++r) {
    threads.emplace_back([&, r] {
      omp_set_num_threads(1 + r % 2);  // thread counts differ between ranks: the bits must not
      try {
        Rank& me = *ranks[static_cast<size_t>(r)];
        const DpStep step(me.parts);
        Trace& t = traces[static_cast<size_t>(r)];
        for (int64_t s = 0; s < kSteps; ++s) {
          t.results.push_back(step.run(me.task, s, 0.05));
          t.params.push_back(me.values());
        }
        for (const LedgerEntry& e : me.accountant.ledger()) t.charges += static_cast<size_t>(e.count);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) REQUIRE(e.empty());
  if (others != nullptr) *others = traces;
  return traces[0];
}

void check_same(const Trace& a, const Trace& b) {
  REQUIRE(a.params.size() == b.params.size());
  for (size_t s = 0; s < a.params.size(); ++s) {
    CHECK(a.results[s].batch_size == b.results[s].batch_size);
    CHECK(a.results[s].loss_sum == b.results[s].loss_sum);  // the same double: chunks added in order
    CHECK(a.results[s].clipped == b.results[s].clipped);
    for (size_t p = 0; p < a.params[s].size(); ++p) CHECK((a.params[s][p].array() == b.params[s][p].array()).all());
  }
  CHECK(a.charges == b.charges);
}

}  // namespace

TEST_CASE("DpStep on K ranks: every rank ends every step with one process's parameters, bit for bit") {
  for (const bool dp : {true, false}) {
    for (const int chunk : {2, 3, 0}) {  // chunks of 2 or 3 (5-10 per step), and whole batches
      CAPTURE(dp);
      CAPTURE(chunk);
      const Trace one = run_ranks(1, dp, 0.6, chunk);
      for (int K = 2; K <= 4; ++K) {
        CAPTURE(K);
        std::vector<Trace> all;
        run_ranks(K, dp, 0.6, chunk, &all);
        for (const Trace& rank : all) check_same(one, rank);
      }
      if (dp) CHECK(one.charges == static_cast<size_t>(kSteps));  // one Poisson-sampled Gaussian per step
    }
  }
}

TEST_CASE("DpStep on K ranks: an empty Poisson batch is noised once and charged on every rank") {
  const Trace one = run_ranks(1, true, 1e-12, 2);
  std::vector<Trace> all;
  run_ranks(3, true, 1e-12, 2, &all);
  for (const Trace& rank : all) {
    check_same(one, rank);
    for (const StepResult& r : rank.results) CHECK(r.batch_size == 0);
    CHECK(rank.charges == static_cast<size_t>(kSteps));
  }
  // noise moved the weights although no example was seen (a rank that skipped or doubled it would differ)
  Rank fresh(true, 1e-12, 2);
  bool moved = false;
  for (size_t p = 0; p < fresh.params.size(); ++p) moved |= (one.params.back()[p].array() != fresh.params[p]->value.array()).any();
  CHECK(moved);
}

}  // namespace dpt
