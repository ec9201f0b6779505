# Entry points for people and CI. README.md documents `make run` and `make check`.
#   make run     install dependencies, build, run the demo (actrd + actors talking)
#   make check   install dependencies, build, run all tests, then again under ASan+UBSan
#   make build   configure and build into build/ (programs in build/bin/)
#   make fuzz    build libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make bench   build and run the benchmarks (see docs/BENCHMARKS.md)
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps build build-werror run check check-asan test fuzz bench install clean

all: build

deps:
	@scripts/setup-deps.sh
	@# the WebRTC interop peers (libwebrtc via @roamhq/wrtc, werift) from npm: CI must run them,
	@# not skip them, so a failed install fails here
	@sh tests/interop/setup.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	scripts/run-demo.sh $(BUILD)

# The default test run: warnings are errors, then the whole suite, then the sanitizer pass.
check: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACTR_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) check-asan

check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DACTR_WERROR=ON -DACTR_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACTR_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	scripts/run-bench.sh $(BUILD)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
