// Without MPI (a build where CMake found none, or DPT_WITH_MPI=OFF): every process is a job of
// one rank (see communicator.hpp).
#include "experiments/distributed/communicator.hpp"

namespace dpt {

const Communicator* world_communicator() { return nullptr; }
bool built_with_mpi() { return false; }
void finalize_world_communicator() {}

}  // namespace dpt
