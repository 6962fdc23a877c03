# SPDX-License-Identifier: GPL-3.0-or-later
import wbtest

if __name__ == "__main__":
    wbtest.main()
