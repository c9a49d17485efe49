/* One function per subcommand; main.c dispatches. Each returns the process
 * exit status: 0 success, 1 errors in the input, 2 usage errors. */
#ifndef BUOY_CMD_CMD_H
#define BUOY_CMD_CMD_H

#define BUOY_VERSION "0.1.0"

int buoy_cmd_debug(int argc, char **argv);
int buoy_cmd_ls_files(int argc, char **argv);

#endif
