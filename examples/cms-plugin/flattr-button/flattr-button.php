<?php
/**
 * Plugin Name:       Flattr Button
 * Description:       Flattr buttons for your posts from any self-hosted Flattr service: a button after each post, a [flattr] shortcode, a block, rel="payment" links in pages and feeds, and old Flattr buttons in existing posts brought back to life.
 * Version:           0.2.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * License:           MIT
 * Text Domain:       flattr-button
 *
 * The plugin only prints markup: the <flattr-button> element and the script that defines it come from the
 * Flattr service (its /widget/flattr.js), so there is no JavaScript to build or ship here apart from the
 * block's small editor script, written against the editor's globals (wp.blocks, wp.element) without a build.
 */

defined( 'ABSPATH' ) || exit;

const FLATTR_BUTTON_VERSION = '0.2.0';
const FLATTR_BUTTON_OPTION  = 'flattr_button';

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/markup.php';
require_once __DIR__ . '/includes/script-tag.php';
require_once __DIR__ . '/includes/shortcode.php';
require_once __DIR__ . '/includes/block.php';
require_once __DIR__ . '/includes/after-content.php';
require_once __DIR__ . '/includes/legacy-markup.php';
require_once __DIR__ . '/includes/payment-links.php';
