#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinhai.settings")
    # manage.py is a developer's entry point: development mode unless told otherwise. Production
    # sets DEBUG=false explicitly (see README), and gunicorn loads jinhai/wsgi.py, which has no
    # such default, so a server without SECRET_KEY still refuses to start.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
