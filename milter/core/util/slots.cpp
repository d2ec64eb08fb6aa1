// slots - a process-wide count of container extractions running at once (see slots.h)

#include "util/slots.h"

#include <condition_variable>
#include <mutex>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace piiguard::util {

namespace {

std::mutex mu;
std::condition_variable freed;
std::size_t running = 0;

}  // namespace

extract_slot::extract_slot(std::size_t n) {
    const std::size_t most = n ? n : 1;
    std::unique_lock<std::mutex> lock(mu);
    freed.wait(lock, [&] { return running < most; });
    ++running;
}

extract_slot::~extract_slot() {
#ifdef __GLIBC__
    if (trim_)
        ::malloc_trim(0);
#endif
    {
        std::lock_guard<std::mutex> lock(mu);
        --running;
    }
    freed.notify_one();
}

}  // namespace piiguard::util
