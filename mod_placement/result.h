/* Results of internal steps (not HTTP statuses), for the httpd side and the
 * pure code alike.  Pure C. */
#ifndef PL_RESULT_H
#define PL_RESULT_H

#define PL_OK     0
#define PL_FAIL  -1   /* a failure was recorded (in the request: pl_fail) */
#define PL_RETRY -2   /* transaction body asks to be run again */

#endif
