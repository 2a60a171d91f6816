<?php
/** Deleting the plugin from Plugins → Installed Plugins removes its one option; posts are not touched. */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'flattr_button' );
