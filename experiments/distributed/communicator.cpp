// What every Communicator shares (see communicator.hpp): string broadcast, local rank count.
#include "experiments/distributed/communicator.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace dpt {

std::string broadcast_string(const Communicator& comm, std::string value) {
  uint64_t n = value.size();
  comm.broadcast(&n, sizeof n);
  value.resize(n);
  if (n > 0) comm.broadcast(value.data(), n);
  return value;
}

int local_ranks() {
  // Slurm's SLURM_TASKS_PER_NODE reads "2(x3),1": the leading count is this allocation's first
  // nodes' (an estimate for the others; speed only, results do not depend on threads).
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE", "SLURM_TASKS_PER_NODE"}) {
    const char* s = std::getenv(v);
    if (s == nullptr) continue;
    char* end = nullptr;
    const long n = std::strtol(s, &end, 10);
    if (end != s && (*end == '\0' || *end == '(' || *end == ',') && n >= 1 && n <= 4096) return static_cast<int>(n);
  }
  return 1;
}

}  // namespace dpt
