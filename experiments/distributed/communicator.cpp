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
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}) {
    const char* s = std::getenv(v);
    if (s == nullptr) continue;
    char* end = nullptr;
    const long n = std::strtol(s, &end, 10);
    if (end != s && *end == '\0' && n >= 1 && n <= 4096) return static_cast<int>(n);
  }
  return 1;
}

}  // namespace dpt
