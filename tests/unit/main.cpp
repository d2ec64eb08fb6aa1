// doctest runner for the unit tests: one <module>_test.cpp per core module.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
