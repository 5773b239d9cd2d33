"""import dptrain: the package built in build/python imports under Debian's python3 and is the
version CMakeLists.txt declares (the one run folders record)."""
import os
import re
import unittest

import dptrain


class PackageTest(unittest.TestCase):
    def test_version_is_the_projects(self):
        with open(os.path.join(os.environ["DPT_SOURCE_DIR"], "CMakeLists.txt")) as f:
            declared = re.search(r"project\(dptrain VERSION (\d+\.\d+\.\d+)", f.read()).group(1)
        self.assertEqual(dptrain.__version__, declared)


if __name__ == "__main__":
    unittest.main()
