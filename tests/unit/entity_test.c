#include "suites.h"
Suite *entity_suite(void) { return suite_create("entity"); }
