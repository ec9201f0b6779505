# Mailbox crash tests (owned by the mailbox). mailbox_crash_child enqueues or consumes and is
# killed with SIGKILL by test_mailbox_crash, which then reopens the mailbox and checks that no
# acknowledged enqueue was lost and that unacknowledged deliveries come back.
add_executable(mailbox_crash_child ${CMAKE_CURRENT_SOURCE_DIR}/mailbox/mailbox_crash_child.c)
set_target_properties(mailbox_crash_child PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(mailbox_crash_child PRIVATE actr_internal)
actr_target_warnings(mailbox_crash_child)

actr_add_test(NAME test_mailbox_crash
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/mailbox/test_mailbox_crash.c
  ARGS $<TARGET_FILE:mailbox_crash_child>
  TIMEOUT 300)
add_dependencies(test_mailbox_crash mailbox_crash_child)
