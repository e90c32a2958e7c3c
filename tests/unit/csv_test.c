#include "suites.h"
Suite *csv_suite(void) { return suite_create("csv"); }
