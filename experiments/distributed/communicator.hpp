// The ranks of one job and the few collectives a data-parallel DP-SGD step needs
// (docs/distributed.md): a rank index, a broadcast from rank 0, point-to-point sends to rank 0
// (blocking, or asynchronous so that a rank computes on while its message waits), an all-gather
// of short strings (the start's hash check) and an abort that ends the whole job. One process is a job of one rank (no Communicator at all); `mpirun -np K dptrain` is a
// job of K (mpi_communicator.cpp, Open MPI). No communication layer of our own: this interface
// only names what the step uses, so that the step and its tests do not depend on MPI.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace dpt {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // Rank 0's `bytes` bytes at `data` into every rank's `data` (collective).
  virtual void broadcast(void* data, std::size_t bytes) const = 0;
  // To `dest` / from `source`, matched by `tag` (point to point, blocking).
  virtual void send(const void* data, std::size_t bytes, int dest, int tag) const = 0;
  virtual void receive(void* data, std::size_t bytes, int source, int tag) const = 0;
  // A send that returns at once (the rank computes on while the message waits for its
  // receiver); the communicator keeps `message` until it is received, then frees it.
  virtual void send_async(std::vector<std::byte> message, int dest, int tag) const = 0;
  // Waits until every send_async() so far has been received.
  virtual void wait_sends() const = 0;
  // Every rank's `mine`, in rank order, on every rank (collective).
  virtual std::vector<std::string> all_gather(const std::string& mine) const = 0;
  // Ends every rank of the job with exit code `code` (Open MPI: mpirun exits non-zero and
  // names the rank that aborted).
  [[noreturn]] virtual void abort(int code) const = 0;
};

// The job this process belongs to, when it was started by an MPI launcher (mpirun, mpiexec,
// srun) in a build with MPI (DPT_WITH_MPI); initialises MPI on the first call. nullptr for a
// process started on its own, or a build without MPI: a single-process run, as before.
const Communicator* world_communicator();

// Whether this build can run on several ranks (DPT_WITH_MPI).
bool built_with_mpi();

// Processes of this job on this host (OMPI_COMM_WORLD_LOCAL_SIZE, SLURM_NTASKS_PER_NODE...),
// 1 when unknown: the default thread count divides the cores between them.
int local_ranks();

// Ends MPI when this process initialised it (main() returns through it; no-op otherwise).
void finalize_world_communicator();

// Rank 0's string on every rank (length, then bytes): the collective form of small messages.
std::string broadcast_string(const Communicator& comm, std::string value);

}  // namespace dpt
