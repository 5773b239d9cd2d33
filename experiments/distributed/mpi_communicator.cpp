// Communicator over MPI_COMM_WORLD (Open MPI 4.1 from Debian; see communicator.hpp). Built
// when CMake finds MPI (DPT_WITH_MPI); without it no_mpi_communicator.cpp stands in.
// Messages larger than INT_MAX bytes are sent in pieces (MPI counts are int).
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <cstddef>
#include <deque>
#include <vector>

#include "experiments/distributed/communicator.hpp"

namespace dpt {
namespace {

constexpr std::size_t kPiece = std::size_t{1} << 30;  // bytes per MPI call

// Whether an MPI launcher started this process: Open MPI's mpirun, PMIx (srun, prterun), PMI.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  return false;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // A failed call ends the job (MPI_ERRORS_ARE_FATAL, the default): a dead peer is not
    // waited for, and mpirun names the rank.
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void broadcast(void* data, std::size_t bytes) const override {
    auto* p = static_cast<unsigned char*>(data);
    for (std::size_t at = 0; at < bytes; at += kPiece) {
      const int n = static_cast<int>(std::min(kPiece, bytes - at));
      check(MPI_Bcast(p + at, n, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }
  void send(const void* data, std::size_t bytes, int dest, int tag) const override {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t at = 0; at < bytes; at += kPiece) {
      const int n = static_cast<int>(std::min(kPiece, bytes - at));
      check(MPI_Send(p + at, n, MPI_BYTE, dest, tag, MPI_COMM_WORLD), "MPI_Send");
    }
  }
  void send_async(std::vector<std::byte> message, int dest, int tag) const override {
    Outgoing& out = outgoing_.emplace_back();
    out.bytes = std::move(message);
    const auto* p = reinterpret_cast<const unsigned char*>(out.bytes.data());
    const std::size_t bytes = out.bytes.size();
    std::size_t at = 0;
    do {  // one request per piece (a zero-length message is one empty piece)
      const int n = static_cast<int>(std::min(kPiece, bytes - at));
      out.requests.emplace_back();
      check(MPI_Isend(p + at, n, MPI_BYTE, dest, tag, MPI_COMM_WORLD, &out.requests.back()), "MPI_Isend");
      at += static_cast<std::size_t>(n);
    } while (at < bytes);
    free_delivered();
  }
  void wait_sends() const override {
    for (Outgoing& out : outgoing_) {
      check(MPI_Waitall(static_cast<int>(out.requests.size()), out.requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    }
    outgoing_.clear();
  }
  void receive(void* data, std::size_t bytes, int source, int tag) const override {
    auto* p = static_cast<unsigned char*>(data);
    for (std::size_t at = 0; at < bytes; at += kPiece) {
      const int n = static_cast<int>(std::min(kPiece, bytes - at));
      check(MPI_Recv(p + at, n, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    }
  }
  std::vector<std::string> all_gather(const std::string& mine) const override {
    std::vector<std::string> out(static_cast<std::size_t>(size_));
    for (int r = 0; r < size_; ++r) {  // short messages (hashes): one broadcast per rank
      uint64_t n = r == rank_ ? mine.size() : 0;
      check(MPI_Bcast(&n, 1, MPI_UINT64_T, r, MPI_COMM_WORLD), "MPI_Bcast");
      std::string s = r == rank_ ? mine : std::string(n, '\0');
      if (n > 0) check(MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, r, MPI_COMM_WORLD), "MPI_Bcast");
      out[static_cast<std::size_t>(r)] = std::move(s);
    }
    return out;
  }
  [[noreturn]] void abort(int code) const override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; if it did, still end this rank
  }

 private:
  struct Outgoing {
    std::vector<std::byte> bytes;        // kept until received
    std::vector<MPI_Request> requests;   // one per piece
  };
  // Frees the messages already received (their requests complete), oldest first.
  void free_delivered() const {
    while (!outgoing_.empty()) {
      Outgoing& out = outgoing_.front();
      int done = 0;
      check(MPI_Testall(static_cast<int>(out.requests.size()), out.requests.data(), &done, MPI_STATUSES_IGNORE), "MPI_Testall");
      if (!done) return;
      outgoing_.pop_front();
    }
  }

  int rank_ = 0, size_ = 1;
  mutable std::deque<Outgoing> outgoing_;  // send_async() messages not yet known to be received
};

std::unique_ptr<MpiCommunicator>& world() {
  static std::unique_ptr<MpiCommunicator> w;
  return w;
}

}  // namespace

const Communicator* world_communicator() {
  static const bool launched = launched_by_mpi();
  if (!launched) return nullptr;
  if (!world()) world() = std::make_unique<MpiCommunicator>();
  return world().get();
}

bool built_with_mpi() { return true; }

void finalize_world_communicator() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Finalize();
}

}  // namespace dpt
