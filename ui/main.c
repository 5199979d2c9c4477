/* main.c - anyroam, the command-line client; see ui.h. */
#include "ui/ui.h"

int main(int argc, char **argv)
{
	return ui_main(argc, argv);
}
